-- Alternates GET /Users/{id} (to read the ETag) and PUT with If-Match: one conditional
-- update per pair of requests. The id comes from the environment (wrk's script args).
local id, etag, turn = nil, nil, 0
init = function(args) id = args[1] end
request = function()
  turn = turn + 1
  if turn % 2 == 1 or etag == nil then
    return wrk.format("GET", "/scim/v2/Users/" .. id)
  end
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"counter",'
    .. '"displayName":"Counter Person","active":false,"emails":[{"value":"counter@example.com"}],"title":"'
    .. turn .. '"}'
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/scim+json"
  headers["If-Match"] = etag
  return wrk.format("PUT", "/scim/v2/Users/" .. id, headers, body)
end
response = function(status, headers, body)
  if status >= 300 then error("unexpected status " .. status .. ": " .. body) end
  if headers["etag"] then etag = headers["etag"] end
end
