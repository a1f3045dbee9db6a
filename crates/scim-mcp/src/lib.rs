//! An MCP server over SCIM 2.0, so AI agents provision users and groups with the
//! guarantees an identity provider gets: every read answers the resource's version,
//! every write takes the version the agent read, and a stale write is refused with the
//! current state, so no update is lost.
//!
//! [`ScimMcp`] is an rmcp `ServerHandler` whose tools (`list_resource_types`,
//! `get_schema`, `search_resources`, `get_resource`, `create_resource`,
//! `replace_resource`, `patch_resource`, `delete_resource`, `add_members`,
//! `remove_members`) are SCIM operations run by a
//! [`ScimOperationHandler`](scim_ops::ScimOperationHandler): no second implementation
//! of any operation. It is served over Streamable HTTP by [`McpService`] (a
//! `tower::Service` that authenticates every request like `scim-http` does, so a
//! bearer token scopes every call to its tenant) and over stdio by
//! [`serve_stdio`].
//!
//! Every result carries its data as `structuredContent` and as text. Domain failures
//! are tool errors (`isError: true`) with `{"error": "version_mismatch" | "not_found" |
//! "uniqueness" | "invalid" | "forbidden" | "internal", "detail": …}`; a
//! `version_mismatch` also carries `current_version` and the current `resource`.
//!
//! See `docs/mcp.md` for connecting an agent, every tool, and the version workflow.

mod answer;
mod args;
mod config;
mod direct;
mod http;
mod server;
mod stdio;
mod tools;

pub use config::McpConfig;
pub use http::{McpBody, McpService, McpServiceConfig};
pub use server::ScimMcp;
pub use stdio::serve_stdio;
