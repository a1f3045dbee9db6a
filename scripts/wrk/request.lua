-- One request, repeated: METHOD PATH [BODY [CONTENT-TYPE]] from wrk's script arguments
-- (after `--`), with the -H headers. Used for PATCH and for MCP tool calls (POST /mcp).
local method, path, body, content_type
init = function(args)
  method, path, body, content_type = args[1], args[2], args[3], args[4]
end
request = function()
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  if body then
    headers["Content-Type"] = content_type or "application/json"
    headers["Accept"] = "application/json, text/event-stream"
  end
  return wrk.format(method, path, headers, body)
end
