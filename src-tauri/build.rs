fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let manifest = tauri_build::AppManifest::new().commands(&[
        "accounts",
        "add_account",
        "discover_account",
        "folders",
        "refresh_folders",
        "list_messages",
        "read_message",
        "allow_remote",
        "act",
        "search",
        "sync_account",
        "send",
        "outbox",
        "flush_outbox",
        "compose_answer",
        "compose_draft",
        "save_draft",
        "drafts",
        "delete_draft",
        "known_addresses",
        "retry_outbox",
        "drop_outbox",
        "identities",
        "set_identity",
        "remove_identity",
        "save_attachment",
        "open_attachment",
        "calendars",
        "events",
        "add_event",
        "edit_event",
        "delete_event",
        "respond",
        "ui_language",
    ]);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
