-- One request, repeated: METHOD PATH [BODY [CONTENT-TYPE]] from wrk's script arguments
-- (after `--`), with the -H headers. Every `{n}` in BODY becomes a counter, so each
-- write changes something. Used for PATCH and for MCP tool calls (POST /mcp).
local method, path, body, content_type
local counter = 0
init = function(args)
  method, path, body, content_type = args[1], args[2], args[3], args[4]
end
request = function()
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  local sent = nil
  if body then
    counter = counter + 1
    sent = body:gsub("{n}", tostring(counter))
    headers["Content-Type"] = content_type or "application/json"
    headers["Accept"] = "application/json, text/event-stream"
  end
  return wrk.format(method, path, headers, sent)
end
