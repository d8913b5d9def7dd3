-- luacheck configuration for lua-batch.
std = "max"
max_line_length = 120
exclude_files = { "build/", ".rocks/" }

files["spec/"] = { std = "+busted" }
-- The emulator runs inside nginx (ngx_lua on LuaJIT).
files["mock/"] = { std = "luajit", globals = { "ngx" } }
