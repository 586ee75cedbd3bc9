//! Threads and everything else decided before the body: the role of each message (new thread,
//! reply to an earlier message, forward, newsletter, invitation), its author, subject and date.
//!
//! A reply's parent is drawn from the message's own `Thread` stream among the ~250 previous
//! messages, so finding a message's ancestors only walks back through those few draws.

use super::people::{self, Person};
use super::rng::{Rng, Stream};
use super::text::expanded;
use super::time::{self, MONTHS_FR};
use super::words::{EVENTS, FORWARD_SUBJECTS, LOCATIONS, NEWSLETTERS, SUBJECTS};
use super::GenOptions;

/// Longest `References` chain: a message whose parent is already this deep starts a new thread.
pub(crate) const MAX_DEPTH: usize = 10;

/// Role of a message in its thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ThreadRole {
    /// Starts a thread.
    Root,
    /// Starts a thread by forwarding an outside message (`TR: `).
    Forward,
    /// A mailing from an outside newsletter (never replied to).
    Newsletter,
    /// A meeting invitation (never replied to, to keep threads simple).
    Invitation,
    /// Replies to that earlier message.
    Reply(u64),
}

impl ThreadRole {
    fn can_have_replies(self) -> bool {
        matches!(self, ThreadRole::Root | ThreadRole::Forward | ThreadRole::Reply(_))
    }
}

/// The role drawn for a message, before checking that its parent can take a reply.
fn drawn_role(seed: u64, index: u64) -> ThreadRole {
    let mut rng = Rng::for_message(seed, index, Stream::Thread);
    let r = rng.below(1000);
    if r < 360 {
        let distance = rng.spread(1, 8);
        if distance <= index {
            ThreadRole::Reply(index - distance)
        } else {
            ThreadRole::Root
        }
    } else if r < 400 {
        ThreadRole::Newsletter
    } else if r < 425 {
        ThreadRole::Invitation
    } else if r < 475 {
        ThreadRole::Forward
    } else {
        ThreadRole::Root
    }
}

/// A message's place in its thread.
#[derive(Clone, Debug)]
pub(crate) struct Thread {
    pub role: ThreadRole,
    /// Ancestors, thread root first, parent last (empty for a thread root).
    pub ancestors: Vec<u64>,
}

impl Thread {
    pub(crate) fn root(&self, index: u64) -> u64 {
        self.ancestors.first().copied().unwrap_or(index)
    }

    pub(crate) fn parent(&self) -> Option<u64> {
        self.ancestors.last().copied()
    }
}

/// The thread of message `index`.
pub(crate) fn thread(seed: u64, index: u64) -> Thread {
    // Walk up the drawn parents while they can take replies.
    let mut chain = vec![index];
    let mut current = index;
    while let ThreadRole::Reply(parent) = drawn_role(seed, current) {
        if !drawn_role(seed, parent).can_have_replies() {
            break;
        }
        chain.push(parent);
        current = parent;
    }
    // Depths from the top: past MAX_DEPTH, a message starts a new thread.
    let mut depth = 0;
    for _ in 1..chain.len() {
        depth = if depth < MAX_DEPTH { depth + 1 } else { 0 };
    }
    let ancestors: Vec<u64> = chain[1..=depth].iter().rev().copied().collect();
    let role = match drawn_role(seed, index) {
        ThreadRole::Reply(_) if ancestors.is_empty() => ThreadRole::Root,
        role => role,
    };
    Thread { role, ancestors }
}

/// A meeting of an invitation.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub summary: String,
    pub location: &'static str,
    pub start: i64,
    pub end: i64,
}

/// What a thread root decides for the whole thread.
#[derive(Clone, Debug)]
pub(crate) struct RootInfo {
    /// Who starts the thread (for a forward: the colleague who forwards).
    pub sender: Person,
    /// Subject without reply prefix (with `TR: ` for forwards).
    pub subject: String,
    pub event: Option<Event>,
    /// For a forward: who wrote the forwarded message, and when.
    pub forwarded: Option<(Person, i64)>,
    /// For a newsletter: its entry in `words::NEWSLETTERS`.
    pub newsletter: Option<usize>,
}

/// Year of message `index` (for templates: `{annee}`, permit numbers…).
pub(crate) fn year_of(opts: &GenOptions, index: u64) -> i64 {
    time::paris(time::message_date(opts.seed, opts.start_unix, index)).year
}

/// The root information of thread root `root` (whose role is `role`).
pub(crate) fn root_info(opts: &GenOptions, root: u64, role: ThreadRole) -> RootInfo {
    let mut rng = Rng::for_message(opts.seed, root, Stream::Root);
    let year = year_of(opts, root);
    let date = time::message_date(opts.seed, opts.start_unix, root);
    let mut info = RootInfo {
        sender: people::any_sender(&mut rng, opts.seed, &opts.domain),
        subject: String::new(),
        event: None,
        forwarded: None,
        newsletter: None,
    };
    match role {
        ThreadRole::Newsletter => {
            let n = rng.index(NEWSLETTERS.len());
            let (email, name, subjects) = NEWSLETTERS[n];
            let stem = *rng.pick(subjects);
            info.subject = expanded(&mut rng, year, stem);
            info.sender.mailbox = super::Mailbox {
                name: name.to_string(),
                email: email.to_string(),
            };
            info.sender.role = people::Role::Organisation;
            info.newsletter = Some(n);
        }
        ThreadRole::Invitation => {
            info.sender = people::any_agent(&mut rng, opts.seed, &opts.domain);
            let event = event(&mut rng, date);
            info.subject = invitation_subject(&mut rng, &event);
            info.event = Some(event);
        }
        ThreadRole::Forward => {
            let original = people::any_sender(&mut rng, opts.seed, &opts.domain);
            let stem = *rng.pick(FORWARD_SUBJECTS);
            let prefix = *rng.pick(&["TR: ", "TR : ", "Fwd: ", "Fw: "]);
            info.subject = format!("{prefix}{}", expanded(&mut rng, year, stem));
            info.sender = people::any_agent(&mut rng, opts.seed, &opts.domain);
            info.forwarded = Some((original, date - rng.range(600, 5 * 86_400) as i64));
        }
        ThreadRole::Root | ThreadRole::Reply(_) => {
            let stem = *rng.pick(SUBJECTS);
            info.subject = expanded(&mut rng, year, stem);
        }
    }
    info
}

/// A meeting one to three weeks after `date`, on a weekday, in office hours.
fn event(rng: &mut Rng, date: i64) -> Event {
    let mut day = date + rng.range(1, 21) as i64 * 86_400;
    while time::paris(day).weekday >= 5 {
        day += 86_400;
    }
    let t = time::paris(day);
    let start = time::paris_to_unix(
        t.year,
        t.month,
        t.day,
        rng.range(8, 16) as u32,
        rng.below(4) as u32 * 15,
    );
    let end = start + rng.range(1, 6) as i64 * 1800;
    Event {
        summary: (*rng.pick(EVENTS)).to_string(),
        location: rng.word(LOCATIONS),
        start,
        end,
    }
}

fn invitation_subject(rng: &mut Rng, event: &Event) -> String {
    let s = time::paris(event.start);
    let e = time::paris(event.end);
    let when = format!(
        "{} {} {} {} {:02}:{:02} - {:02}:{:02}",
        time::DAYS_FR[s.weekday],
        s.day,
        MONTHS_FR[s.month as usize - 1],
        s.year,
        s.hour,
        s.minute,
        e.hour,
        e.minute
    );
    match rng.below(3) {
        0 => format!("Invitation : {} @ {when}", event.summary),
        1 => format!("Invitation: {} ({when})", event.summary),
        _ => event.summary.clone(),
    }
}

/// The author of message `index`: the thread's first sender for a root; for a reply, either him
/// again or an agent of the town hall joining the conversation.
pub(crate) fn author(opts: &GenOptions, index: u64, thread: &Thread, root: &RootInfo) -> Person {
    if thread.ancestors.is_empty() {
        return root.sender.clone();
    }
    let mut rng = Rng::for_message(opts.seed, index, Stream::Root);
    if rng.percent(55) {
        root.sender.clone()
    } else {
        people::any_agent(&mut rng, opts.seed, &opts.domain)
    }
}
