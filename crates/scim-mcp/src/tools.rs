//! The tools: each one SCIM operation run by the handler, its arguments read in
//! `args.rs` and its answer written in `answer.rs`.

use rmcp::model::{CallToolResult, JsonObject};
use rmcp::{tool, tool_router};
use scim_ops::{ErrorKind, QueryParams, ScimError, ScimOperation, ScimOperationRequest};
use scim_provider::RequestContext;
use scim_schema::builtin;
use scim_version::ScimVersion;
use serde_json::{Value, json};

use crate::ScimMcp;
use crate::answer::{Answer, Content, ToolError, call_tool_result, resource};
use crate::args::{
    CreateResource, DeleteResource, GetResource, GetSchema, Members, NoArguments, PatchResource,
    ReplaceResource, SearchResources, SortOrder, input_schema, parse,
};
use crate::server::Call;

/// For a call that may run (`$caller` is `Ok`), reads `$arguments` as `$ty` and awaits
/// `$body` with them; otherwise, or when they do not fit, the tool error.
macro_rules! run {
    ($caller:ident, $arguments:ident, |$context:ident, $args:ident: $ty:ty| $body:expr) => {
        match $caller.and_then(|context| Ok((context, parse::<$ty>($arguments)?))) {
            Ok(($context, $args)) => $body.await,
            Err(error) => Err(error),
        }
    };
}

#[tool_router(router = tool_router, vis = "pub(crate)")]
impl ScimMcp {
    #[tool(
        description = "List the resource types (User, Group, …) with their endpoints, schemas and schema extensions.",
        input_schema = input_schema::<NoArguments>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_resource_types(&self, call: Call) -> CallToolResult {
        self.rmcp_result(call).await
    }

    #[tool(
        description = "Get one schema by its URN (such as urn:ietf:params:scim:schemas:core:2.0:User): every attribute with its type, mutability and whether it is required, to learn what to write.",
        input_schema = input_schema::<GetSchema>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn get_schema(&self, call: Call) -> CallToolResult {
        self.rmcp_result(call).await
    }

    #[tool(
        description = "Search the resources of one type with an optional SCIM filter; answers a SCIM ListResponse (totalResults, Resources) whose resources each carry meta.version. Pages are small by default: page with start_index and count, or cursor.",
        input_schema = input_schema::<SearchResources>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn search_resources(&self, call: Call) -> CallToolResult {
        self.rmcp_result(call).await
    }

    #[tool(
        description = "Read one resource: answers {resource, version}. Pass that version to the write you make next, so it is refused if someone changed the resource in between.",
        input_schema = input_schema::<GetResource>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn get_resource(&self, call: Call) -> CallToolResult {
        self.rmcp_result(call).await
    }

    #[tool(
        description = "Create a resource from SCIM JSON (with its schemas); answers {resource, version} with the new id. A userName already taken in the tenant is error \"uniqueness\".",
        input_schema = input_schema::<CreateResource>(),
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn create_resource(&self, call: Call) -> CallToolResult {
        self.rmcp_result(call).await
    }

    #[tool(
        description = "Replace a whole resource (attributes left out are cleared), with the version you read it at; answers {resource, version}. If it changed since, the answer is error \"version_mismatch\" with the current_version and resource: re-decide and retry with that version.",
        input_schema = input_schema::<ReplaceResource>(),
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn replace_resource(&self, call: Call) -> CallToolResult {
        self.rmcp_result(call).await
    }

    #[tool(
        description = "Change part of a resource with RFC 7644 PATCH operations (add, replace, remove; such as [{\"op\":\"replace\",\"path\":\"active\",\"value\":false}]), with the version you read it at; answers {resource, version}. A stale version is error \"version_mismatch\" with the current_version and resource.",
        input_schema = input_schema::<PatchResource>(),
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn patch_resource(&self, call: Call) -> CallToolResult {
        self.rmcp_result(call).await
    }

    #[tool(
        description = "Delete a resource, with the version you read it at; answers the id deleted. A stale version is error \"version_mismatch\" with the current_version and resource.",
        input_schema = input_schema::<DeleteResource>(),
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn delete_resource(&self, call: Call) -> CallToolResult {
        self.rmcp_result(call).await
    }

    #[tool(
        description = "Add users (or groups) to a group by id; answers {resource, version} of the group without its member list. No version is needed (it never undoes another change); with one, the change is made only if the group is still at it.",
        input_schema = input_schema::<Members>(),
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn add_members(&self, call: Call) -> CallToolResult {
        self.rmcp_result(call).await
    }

    #[tool(
        description = "Remove users (or groups) from a group by id; answers {resource, version} of the group without its member list. No version is needed; with one, the change is made only if the group is still at it.",
        input_schema = input_schema::<Members>(),
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn remove_members(&self, call: Call) -> CallToolResult {
        self.rmcp_result(call).await
    }
}

impl ScimMcp {
    /// Runs the tool `name`, for `caller`, on `arguments`: every tool's one dispatch,
    /// for rmcp's router and for the direct HTTP path alike. `None` for a name that
    /// is not a tool.
    pub(crate) async fn run(
        &self,
        name: &str,
        caller: Result<RequestContext, ToolError>,
        arguments: JsonObject,
    ) -> Option<Answer> {
        Some(match name {
            "list_resource_types" => run!(caller, arguments, |context, args: NoArguments| {
                let NoArguments {} = args;
                let operation = ScimOperation::ResourceTypes { id: None };
                self.read(ScimOperationRequest::new(operation), context)
            }),
            "get_schema" => run!(caller, arguments, |context, args: GetSchema| {
                let operation = ScimOperation::Schemas { id: Some(args.id) };
                self.read(ScimOperationRequest::new(operation), context)
            }),
            "search_resources" => {
                run!(caller, arguments, |context, args: SearchResources| {
                    self.search(context, args)
                })
            }
            "get_resource" => run!(caller, arguments, |context, args: GetResource| {
                let mut request = ScimOperationRequest::get(&args.resource_type, &args.id);
                request.query.attributes = args.attributes.map(|list| list.joined());
                self.versioned(request, context)
            }),
            "create_resource" => run!(caller, arguments, |context, args: CreateResource| {
                let body = Value::Object(args.resource);
                self.versioned(
                    ScimOperationRequest::create(&args.resource_type, body),
                    context,
                )
            }),
            "replace_resource" => {
                run!(caller, arguments, |context, args: ReplaceResource| {
                    let body = Value::Object(args.resource);
                    let request =
                        ScimOperationRequest::replace(&args.resource_type, &args.id, body);
                    self.write(request, context, args.version, true)
                })
            }
            "patch_resource" => run!(caller, arguments, |context, args: PatchResource| {
                let body = json!({"schemas": [builtin::PATCH_OP], "Operations": args.operations});
                let request = ScimOperationRequest::patch(&args.resource_type, &args.id, body);
                self.write(request, context, args.version, true)
            }),
            "delete_resource" => run!(caller, arguments, |context, args: DeleteResource| {
                self.delete(context, args)
            }),
            "add_members" => run!(caller, arguments, |context, args: Members| {
                self.members(context, args, true)
            }),
            "remove_members" => run!(caller, arguments, |context, args: Members| {
                self.members(context, args, false)
            }),
            _ => return None,
        })
    }

    /// A tool called through rmcp's router, which only routes the names above.
    async fn rmcp_result(&self, call: Call) -> CallToolResult {
        let answer = self.run(&call.name, call.caller, call.arguments).await;
        call_tool_result(answer.unwrap_or_else(|| Err(ToolError::invalid("no such tool"))))
    }

    /// A read whose SCIM body is the answer.
    async fn read(&self, request: ScimOperationRequest, context: RequestContext) -> Answer {
        let response = self
            .handler()
            .try_handle(request.with_context(context))
            .await?;
        Ok(Content::Value(response.body.unwrap_or(Value::Null)))
    }

    /// An operation on one resource, answered `{resource, version}`; a read is
    /// answered from the stored JSON when the handler can.
    async fn versioned(
        &self,
        mut request: ScimOperationRequest,
        context: RequestContext,
    ) -> Answer {
        request.serialized_ok = true;
        let response = self
            .handler()
            .try_handle(request.with_context(context))
            .await?;
        Ok(resource(response))
    }

    async fn search(&self, context: RequestContext, args: SearchResources) -> Answer {
        let tenant = self.handler().config().tenant(context.tenant());
        let count = args
            .count
            .unwrap_or(self.config().default_count.min(tenant.max_page_size) as u64);
        let query = QueryParams {
            filter: args.filter,
            sort_by: args.sort_by,
            sort_order: args.sort_order.map(|order| match order {
                SortOrder::Ascending => "ascending".to_owned(),
                SortOrder::Descending => "descending".to_owned(),
            }),
            start_index: args.start_index.map(|index| index.to_string()),
            count: Some(count.to_string()),
            cursor: args.cursor,
            attributes: args.attributes.map(|list| list.joined()),
            excluded_attributes: args.excluded_attributes.map(|list| list.joined()),
        };
        let request = ScimOperationRequest::list(&args.resource_type).with_query(query);
        self.read(request, context).await
    }

    async fn delete(&self, context: RequestContext, args: DeleteResource) -> Answer {
        let request = ScimOperationRequest::delete(&args.resource_type, &args.id);
        self.write(request, context, args.version, true).await?;
        let deleted = json!({"id": args.id, "resource_type": args.resource_type, "deleted": true});
        Ok(Content::Value(deleted))
    }

    /// `add_members` (`add`) and `remove_members`, as one membership PATCH answered
    /// without the member list (a large group's list would flood the agent).
    async fn members(&self, context: RequestContext, args: Members, add: bool) -> Answer {
        if args.member_ids.is_empty() {
            return Err(ToolError::invalid("member_ids names no member"));
        }
        let members: Vec<Value> = args
            .member_ids
            .iter()
            .map(|id| json!({"value": id}))
            .collect();
        let op = if add { "add" } else { "remove" };
        let operations = [json!({"op": op, "path": "members", "value": members})];
        let body = json!({"schemas": [builtin::PATCH_OP], "Operations": operations});
        let mut request = ScimOperationRequest::patch("Group", &args.group_id, body);
        request.query.excluded_attributes = Some("members".to_owned());
        self.write(request, context, args.version, false).await
    }

    /// A write with the agent's `version` as `If-Match`; `required` says whether a
    /// write without one is refused (unless the tenant allows it). A stale version is
    /// answered with the resource as it is now.
    async fn write(
        &self,
        request: ScimOperationRequest,
        context: RequestContext,
        version: Option<String>,
        required: bool,
    ) -> Answer {
        let request = match version {
            Some(version) => request.if_match(&parse_version(&version)?),
            None if required && self.config().requires_version(context.tenant()) => {
                return Err(ToolError::invalid(
                    "this write needs the version the resource was read at: read it with \
                     get_resource and pass its version",
                ));
            }
            None => request,
        };
        let reread = reread(&request);
        match self
            .handler()
            .try_handle(request.with_context(context.clone()))
            .await
        {
            // Answered without a body (a server configured to answer PATCH with 204):
            // read the resource the agent is owed.
            Ok(response) if response.body.is_none() && response.current_version.is_some() => {
                match reread {
                    Some(read) => self.versioned(read, context).await,
                    None => Ok(resource(response)),
                }
            }
            Ok(response) => Ok(resource(response)),
            Err(err) if err.kind == ErrorKind::PreconditionFailed => {
                Err(self.version_mismatch(err, reread, context).await)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// The `version_mismatch` answer: the resource as it is now, read as the write
    /// would have answered it.
    async fn version_mismatch(
        &self,
        err: ScimError,
        reread: Option<ScimOperationRequest>,
        context: RequestContext,
    ) -> ToolError {
        let Some(reread) = reread else {
            return err.into();
        };
        match self
            .handler()
            .try_handle(reread.with_context(context))
            .await
        {
            Ok(current) => match &current.current_version {
                Some(version) => ToolError::version_mismatch(
                    err.detail,
                    version,
                    current.body.unwrap_or(Value::Null),
                ),
                None => err.into(),
            },
            // Deleted in between: that is the news.
            Err(read) => read.into(),
        }
    }
}

/// The read of the resource a write targets, with the write's projection.
fn reread(write: &ScimOperationRequest) -> Option<ScimOperationRequest> {
    let target = write.operation.target()?.clone();
    let mut read = ScimOperationRequest::new(ScimOperation::Get { target });
    read.query.attributes = write.query.attributes.clone();
    read.query.excluded_attributes = write.query.excluded_attributes.clone();
    Some(read)
}

/// A version as `get_resource` answers it (`W/"…"`), or its bare opaque part.
fn parse_version(version: &str) -> Result<ScimVersion, ToolError> {
    ScimVersion::parse_http_header(version)
        .or_else(|_| ScimVersion::from_hash(version.trim()))
        .map_err(|err| {
            ToolError::invalid(format!(
                "{version:?} is not a version as get_resource answers it: {err}"
            ))
        })
}
