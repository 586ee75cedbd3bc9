//! The commands the front-end invokes: take the input, call the core, map the error.
//! None runs on the main thread (Tauri's default for a command that is not `async`): that
//! thread draws the window, and a cache read there would stall scrolling.
//! Tauri passes the arguments by their camelCase names (`allowRemoteOnce`); the values are the
//! core's own types, whose TypeScript twins ts-rs generates.

use calame_core::caldav::Calendar;
use calame_core::calendar::DetailedOccurrence;
use calame_core::message::{Message, RemoteContent};
use calame_core::outbox::Item;
use calame_core::sync::{Bodies, Progress};
use calame_core::{
    AccountSetup, AccountSummary, Action, Address, AllowRemote, AnswerRef, AppError, ComposeStart, DraftInput,
    DraftOutcome, DraftSummary, Envelope, EventInput, FlushReport, Folder, Identity, InvitationAnswer, Lang, ListOrder,
    Responded, SearchHit, SearchRequest, Secret, SendOutcome, SyncReport,
};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::AppState;

/// The Tauri event that carries a sync's [`Progress`].
pub const SYNC_PROGRESS: &str = "sync-progress";

impl AppState {
    fn err(&self) -> impl Fn(calame_core::Error) -> AppError + '_ {
        move |e| AppError::new(&e, self.lang)
    }
}

#[tauri::command(async)]
pub fn accounts(state: State<'_, AppState>) -> Result<Vec<AccountSummary>, AppError> {
    let calame = state.calame()?;
    let accounts = calame.accounts().map_err(state.err())?;
    Ok(accounts.iter().map(AccountSummary::from).collect())
}

/// Add (or replace) an account: the login is checked and the folders fetched first; with
/// `remember`, the password goes to the OS keyring. The password is handed to the core and
/// dropped; nothing here keeps it.
#[tauri::command]
pub async fn add_account(
    state: State<'_, AppState>,
    setup: AccountSetup,
    password: String,
    remember: bool,
) -> Result<AccountSummary, AppError> {
    let password = Secret::new(password);
    let (account, _) = state
        .calame()?
        .add_account(setup, &password, remember)
        .await
        .map_err(state.err())?;
    Ok(AccountSummary::from(&account))
}

/// The servers the address's mail provider publishes (autoconfig), if any: for the wizard
/// to fill in before the user checks them.
#[tauri::command]
pub async fn discover_account(state: State<'_, AppState>, email: String) -> Result<Option<AccountSetup>, AppError> {
    calame_core::autoconfig::discover(&email).await.map_err(state.err())
}

/// All accounts' folders from the local cache: instant, and available offline.
#[tauri::command(async)]
pub fn folders(state: State<'_, AppState>) -> Result<Vec<Folder>, AppError> {
    state.calame()?.folders(None).map_err(state.err())
}

/// One account's folders fetched from its server (and cached).
#[tauri::command]
pub async fn refresh_folders(state: State<'_, AppState>, account: String) -> Result<Vec<Folder>, AppError> {
    state.calame()?.refresh_folders(&account).await.map_err(state.err())
}

/// A page of a folder's messages from the cache, in `order` (newest first by default).
#[tauri::command(async)]
pub fn list_messages(
    state: State<'_, AppState>,
    account: String,
    folder: String,
    offset: usize,
    limit: usize,
    order: Option<ListOrder>,
) -> Result<Vec<Envelope>, AppError> {
    state
        .calame()?
        .list_ordered(&account, &folder, order.unwrap_or_default(), offset, limit)
        .map_err(state.err())
}

/// A message, from the cache or fetched; remote content blocked unless allowed for this
/// reading (`allow_remote_once`) or by the allow-list.
#[tauri::command]
pub async fn read_message(
    state: State<'_, AppState>,
    account: String,
    folder: String,
    uid: u32,
    allow_remote_once: bool,
) -> Result<Message, AppError> {
    let remote = if allow_remote_once {
        RemoteContent::Allow
    } else {
        RemoteContent::Block
    };
    state
        .calame()?
        .read(&account, &folder, uid, true, remote)
        .await
        .map_err(state.err())
}

/// Allow remote content from now on, for a sender or a message (by Message-ID).
#[tauri::command(async)]
pub fn allow_remote(state: State<'_, AppState>, account: String, what: AllowRemote) -> Result<(), AppError> {
    state.calame()?.allow_remote(&account, what).map_err(state.err())
}

/// Flag, move, copy or delete messages: shown in the cache at once and queued; then sent to
/// the server. When that fails (offline…) the action stays queued for the next sync.
#[tauri::command]
pub async fn act(state: State<'_, AppState>, account: String, action: Action) -> Result<(), AppError> {
    let calame = state.calame()?;
    calame.act(&account, action).map_err(state.err())?;
    if let Err(e) = calame.flush(&account).await {
        tracing::warn!("actions of {account} stay queued: {e}");
    }
    Ok(())
}

/// Search an account's messages: the local index, and the server on request.
#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    account: String,
    request: SearchRequest,
) -> Result<Vec<SearchHit>, AppError> {
    state
        .calame()?
        .search(&account, &request, true)
        .await
        .map_err(state.err())
}

/// Sync an account (mail, then calendars), telling the window how far it has come through
/// `sync-progress` events. The core's sync is not `Send` (its progress callback), so it runs
/// on a runtime of its own on a blocking thread.
#[tauri::command]
pub async fn sync_account(app: AppHandle, account: String) -> Result<SyncReport, AppError> {
    crate::on_own_runtime(app, move |app| async move {
        let state = app.state::<AppState>();
        let mut progress = |p: &Progress| {
            if let Err(e) = app.emit(SYNC_PROGRESS, p) {
                tracing::warn!("sync progress not delivered: {e}");
            }
        };
        state
            .calame()?
            .sync_progress(&account, None, Bodies::default(), &mut progress)
            .await
            .map_err(state.err())
    })
    .await
}

/// Send a message: queued durably in the outbox, then sent now when possible.
#[tauri::command]
pub async fn send(state: State<'_, AppState>, account: String, draft: DraftInput) -> Result<SendOutcome, AppError> {
    let password = keyring_password(&account).await;
    state
        .calame()?
        .send_form(&account, draft, password.as_ref())
        .await
        .map_err(state.err())
}

/// A composer form answering (or forwarding) a cached message.
#[tauri::command]
pub async fn compose_answer(
    state: State<'_, AppState>,
    account: String,
    answering: AnswerRef,
) -> Result<ComposeStart, AppError> {
    let password = keyring_password(&account).await;
    state
        .calame()?
        .compose_answer(&account, &answering, password.as_ref())
        .await
        .map_err(state.err())
}

/// A composer form continuing a draft.
#[tauri::command]
pub async fn compose_draft(
    state: State<'_, AppState>,
    account: String,
    draft_id: String,
) -> Result<ComposeStart, AppError> {
    let password = keyring_password(&account).await;
    state
        .calame()?
        .compose_draft(&account, &draft_id, password.as_ref())
        .await
        .map_err(state.err())
}

/// Save the form as a draft: kept here at once, then in the server's Drafts (when the
/// keyring has the password and the server answers).
#[tauri::command]
pub async fn save_draft(
    state: State<'_, AppState>,
    account: String,
    draft: DraftInput,
) -> Result<DraftOutcome, AppError> {
    let password = keyring_password(&account).await;
    state
        .calame()?
        .save_form(&account, draft, password.as_ref())
        .await
        .map_err(state.err())
}

/// An account's drafts, newest first, from here and the cached Drafts folder.
#[tauri::command(async)]
pub fn drafts(state: State<'_, AppState>, account: String) -> Result<Vec<DraftSummary>, AppError> {
    state.calame()?.drafts(&account).map_err(state.err())
}

/// Delete a draft (here at once; on the server now or with the next sync).
#[tauri::command]
pub async fn delete_draft(
    state: State<'_, AppState>,
    account: String,
    draft_id: String,
) -> Result<DraftOutcome, AppError> {
    let password = keyring_password(&account).await;
    state
        .calame()?
        .delete_draft(&account, &draft_id, password.as_ref())
        .await
        .map_err(state.err())
}

/// Addresses to suggest for a recipient field, the most used first.
#[tauri::command(async)]
pub fn known_addresses(
    state: State<'_, AppState>,
    account: String,
    prefix: String,
    limit: usize,
) -> Result<Vec<Address>, AppError> {
    state
        .calame()?
        .known_addresses(&account, &prefix, limit.min(50))
        .map_err(state.err())
}

/// Send a stopped outbox item again (failed, unconfirmed).
#[tauri::command(async)]
pub fn retry_outbox(state: State<'_, AppState>, message_id: String) -> Result<Item, AppError> {
    state.calame()?.retry_outbox_item(&message_id).map_err(state.err())
}

/// Remove a stopped item from the outbox.
#[tauri::command(async)]
pub fn drop_outbox(state: State<'_, AppState>, message_id: String) -> Result<(), AppError> {
    state.calame()?.drop_outbox_item(&message_id).map_err(state.err())
}

/// The messages waiting to leave, of one account or all.
#[tauri::command(async)]
pub fn outbox(state: State<'_, AppState>, account: Option<String>) -> Result<Vec<Item>, AppError> {
    state.calame()?.outbox_items(account.as_deref()).map_err(state.err())
}

/// Send what the outbox holds for an account now.
#[tauri::command]
pub async fn flush_outbox(state: State<'_, AppState>, account: String) -> Result<FlushReport, AppError> {
    state.calame()?.flush_outbox(&account).await.map_err(state.err())
}

/// The addresses an account can send as.
#[tauri::command(async)]
pub fn identities(state: State<'_, AppState>, account: String) -> Result<Vec<Identity>, AppError> {
    state.calame()?.identities(&account).map_err(state.err())
}

/// Add or replace (by address) one of an account's identities: name, signature, reply-to,
/// Sent folder, how it sends.
#[tauri::command(async)]
pub fn set_identity(state: State<'_, AppState>, account: String, identity: Identity) -> Result<(), AppError> {
    state.calame()?.set_identity(&account, identity).map_err(state.err())
}

/// Forget a configured identity.
#[tauri::command(async)]
pub fn remove_identity(state: State<'_, AppState>, account: String, address: String) -> Result<(), AppError> {
    state.calame()?.remove_identity(&account, &address).map_err(state.err())
}

/// Save a message's attachment to the file the user chose (fetched when the cache lacks the
/// message and the keyring has the password); its size.
#[tauri::command]
pub async fn save_attachment(
    state: State<'_, AppState>,
    account: String,
    folder: String,
    uid: u32,
    part: String,
    path: String,
) -> Result<u64, AppError> {
    let password = keyring_password(&account).await;
    state
        .calame()?
        .save_attachment(
            &account,
            &folder,
            uid,
            &part,
            std::path::Path::new(&path),
            password.as_ref(),
        )
        .await
        .map_err(state.err())
}

/// Open a message's attachment with the application the system chooses: written under the
/// profile with a safe name first; programs and scripts are refused (saved, not opened).
#[tauri::command]
pub async fn open_attachment(
    state: State<'_, AppState>,
    account: String,
    folder: String,
    uid: u32,
    part: String,
) -> Result<(), AppError> {
    let password = keyring_password(&account).await;
    let path = state
        .calame()?
        .attachment_to_open(&account, &folder, uid, &part, password.as_ref())
        .await
        .map_err(state.err())?;
    tauri_plugin_opener::open_path(&path, None::<&str>).map_err(crate::other)
}

/// An account's calendars, from the cache.
#[tauri::command(async)]
pub fn calendars(state: State<'_, AppState>, account: String) -> Result<Vec<Calendar>, AppError> {
    state.calame()?.calendars(&account).map_err(state.err())
}

/// Occurrences between two local dates (`YYYY-MM-DD`, `to` included), from the cache.
#[tauri::command(async)]
pub fn events(
    state: State<'_, AppState>,
    account: String,
    from: String,
    to: String,
    calendar: Option<String>,
) -> Result<Vec<DetailedOccurrence>, AppError> {
    let from = calame_core::input::date(&from).map_err(state.err())?;
    let to = calame_core::input::date(&to).map_err(state.err())?;
    state
        .calame()?
        .detailed_events(&account, from, to, calendar.as_deref())
        .map_err(state.err())
}

/// Create an event; its UID. Written to the server now when the keyring has the password,
/// else queued for the next sync.
#[tauri::command]
pub async fn add_event(
    state: State<'_, AppState>,
    account: String,
    calendar: String,
    event: EventInput,
) -> Result<String, AppError> {
    let event = event.into_new_event().map_err(state.err())?;
    let password = keyring_password(&account).await;
    state
        .calame()?
        .add_event(&account, &calendar, event, password.as_ref())
        .await
        .map_err(state.err())
}

/// Change an event with the editor's whole form: the series, or one occurrence (its
/// recurrence id). Written now when the keyring has the password, else queued.
#[tauri::command]
pub async fn edit_event(
    state: State<'_, AppState>,
    account: String,
    uid: String,
    occurrence: Option<String>,
    change: EventInput,
) -> Result<(), AppError> {
    let change = change.into_change(occurrence.is_none()).map_err(state.err())?;
    let password = keyring_password(&account).await;
    state
        .calame()?
        .edit_event(&account, &uid, occurrence.as_deref(), &change, password.as_ref())
        .await
        .map_err(state.err())
}

/// Delete an event, or one occurrence of it (its recurrence id).
#[tauri::command]
pub async fn delete_event(
    state: State<'_, AppState>,
    account: String,
    uid: String,
    occurrence: Option<String>,
) -> Result<(), AppError> {
    let password = keyring_password(&account).await;
    state
        .calame()?
        .delete_event(&account, &uid, occurrence.as_deref(), password.as_ref())
        .await
        .map_err(state.err())
}

/// Answer the invitation in a message: the event goes to the calendar, the reply to the
/// organiser.
#[tauri::command]
pub async fn respond(
    state: State<'_, AppState>,
    account: String,
    folder: String,
    uid: u32,
    answer: InvitationAnswer,
) -> Result<Responded, AppError> {
    let password = keyring_password(&account).await;
    state
        .calame()?
        .respond(&account, &folder, uid, answer.into(), password.as_ref())
        .await
        .map_err(state.err())
}

/// The language of the interface: French unless the environment asks for English.
#[tauri::command]
pub fn ui_language(state: State<'_, AppState>) -> Lang {
    state.lang
}

/// The account's password as the core finds it (keyring), never shown nor kept: `None` when
/// there is none, and the core then queues what it would have sent.
async fn keyring_password(account: &str) -> Option<Secret<String>> {
    let account = account.to_owned();
    match tauri::async_runtime::spawn_blocking(move || calame_core::secret::password_for(&account)).await {
        Ok(Ok(password)) => Some(password),
        Ok(Err(e)) => {
            tracing::info!("no stored password, the change is queued: {e}");
            None
        }
        Err(e) => {
            tracing::warn!("keyring lookup failed: {e}");
            None
        }
    }
}
