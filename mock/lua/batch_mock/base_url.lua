-- The base URL of this server as the client reached it (scheme and Host header), for the links the
-- emulator hands out (file_url, files[].url, Location): a client on the HTTPS port gets HTTPS links.
local ngx = ngx

return function()
  local var = ngx.var
  local host = var.http_host
  if not host or host == "" then host = var.server_addr .. ":" .. var.server_port end
  return var.scheme .. "://" .. host
end
