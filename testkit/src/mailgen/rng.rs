//! A tiny deterministic PRNG (SplitMix64) with integer-only helpers.
//!
//! Everything that ends up in a message's bytes is drawn with integer arithmetic only (no `ln`,
//! `exp`, …), so the output is the same on every platform and every Rust version.

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's finaliser: a good 64-bit mixing function, also used to hash stream keys.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Independent random streams of one message. Each aspect draws from its own stream, so that
/// computing one aspect (say the thread parent of an earlier message) never needs the others.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stream {
    /// Role of the message in its thread: root, reply (and to whom), forward, newsletter, invitation.
    Thread = 1,
    /// What a thread root decides for the whole thread: subject, first sender, event.
    Root = 2,
    /// The gap before this message (see `time::message_date`).
    Date = 3,
    /// The text written by this message's author (replies quote it).
    Text = 4,
    /// Everything else: recipients, MIME layout, encodings, attachments.
    Body = 5,
    /// Maildir flags.
    Flags = 6,
    /// The pools of recurring people (keyed by person number instead of message index).
    People = 7,
}

/// SplitMix64 generator.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// The generator of one stream of one message.
    pub(crate) fn for_message(seed: u64, index: u64, stream: Stream) -> Self {
        Rng(mix(mix(mix(seed) ^ index) ^ (stream as u64)))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `0..n` as a `usize`.
    pub(crate) fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_mille / 1000`.
    pub(crate) fn per_mille(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// True with probability `percent / 100`.
    pub(crate) fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A roughly log-uniform value in `lo..lo << octaves`: an octave chosen uniformly, then a
    /// uniform value inside it. Its mean is `1.5 * lo * (2^octaves - 1) / octaves`.
    pub(crate) fn spread(&mut self, lo: u64, octaves: u32) -> u64 {
        let base = lo << self.below(u64::from(octaves));
        base + self.below(base)
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// One of a list of static strings.
    pub(crate) fn word(&mut self, items: &[&'static str]) -> &'static str {
        items[self.index(items.len())]
    }

    /// Index drawn with the given (integer) weights.
    pub(crate) fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// Appends `n` random bytes.
    pub(crate) fn fill(&mut self, out: &mut Vec<u8>, n: usize) {
        out.reserve(n);
        let mut left = n;
        while left >= 8 {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
            left -= 8;
        }
        out.extend_from_slice(&self.next_u64().to_le_bytes()[..left]);
    }

    /// `n` lowercase hexadecimal digits.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        self.chars(n, b"0123456789abcdef")
    }

    /// `n` characters from `alphabet`.
    pub(crate) fn chars(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n).map(|_| char::from(*self.pick(alphabet))).collect()
    }
}
