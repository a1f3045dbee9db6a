//! [`serve_stdio`]: the tools over stdin and stdout, for an agent that starts the
//! server as a subprocess.

use rmcp::ServiceExt as _;
use scim_http::Principal;

use crate::ScimMcp;

/// Serves the tools of `mcp` on this process's stdin and stdout until the agent
/// closes them, every call for `principal` (its tenant): a local process has no
/// per-request credentials, so whoever may start it speaks for that tenant. Nothing
/// else may write to stdout meanwhile (log to stderr).
pub async fn serve_stdio(mcp: ScimMcp, principal: Principal) -> std::io::Result<()> {
    let running = mcp
        .with_principal(principal)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(std::io::Error::other)?;
    running.waiting().await.map_err(std::io::Error::other)?;
    Ok(())
}
