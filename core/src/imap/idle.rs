//! IDLE (RFC 2177): wait on the selected folder until the server says something changed.

use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;

use super::{imap_error, Connection};
use crate::error::{Error, Result};

/// Idle on the selected folder for at most `limit` (below the server's 30-minute timeout, and
/// short enough to notice a connection that died silently). Takes the connection by value
/// and hands it back; on error it is dropped and the caller reconnects.
pub async fn idle(conn: Connection, limit: Duration) -> Result<(Connection, bool)> {
    let Connection {
        session,
        host,
        capabilities,
        bytes_in,
        tags,
    } = conn;
    let mut handle = session.idle();
    handle.init().await.map_err(|e| imap_error(&host, e))?;
    let (wait, _stop) = handle.wait_with_timeout(limit);
    let changed = match tokio::time::timeout(limit + Duration::from_secs(30), wait).await {
        Ok(Ok(IdleResponse::NewData(_))) => true,
        Ok(Ok(IdleResponse::Timeout | IdleResponse::ManualInterrupt)) => false,
        Ok(Err(e)) => return Err(imap_error(&host, e)),
        Err(_) => return Err(Error::network(&host, "no answer while idling")),
    };
    let session = handle.done().await.map_err(|e| imap_error(&host, e))?;
    Ok((
        Connection {
            session,
            host,
            capabilities,
            bytes_in,
            tags,
        },
        changed,
    ))
}
