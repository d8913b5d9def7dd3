-- luacheck configuration for the emulator's Lua code, which runs inside nginx (ngx_lua, LuaJIT).
-- The root .luacheckrc excludes mock/; lint this tree with: (cd mock && luacheck .)
std = "luajit"
globals = { "ngx" }
max_line_length = 120
