-- luacheck configuration for lua-batch.
std = "max"
max_line_length = 120
exclude_files = { "build/", ".rocks/" }

files["spec/"] = { std = "+busted" }
-- The emulator runs inside nginx (ngx_lua on LuaJIT).
files["mock/"] = { std = "luajit", globals = { "ngx" } }
-- The command line (bin/batch, no .lua suffix) is checked too.
include_files = { "**/*.lua", "bin/batch" }
-- docs/api.lua holds LDoc stubs (empty functions, tables only documented).
files["docs/api.lua"] = { ignore = { "212", "241" } }
