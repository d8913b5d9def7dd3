-- The command name of the Lua interpreter running this process ("lua5.1" ... "lua5.4", "luajit"), for
-- specs that start a child Lua: the child must be the same Lua as the C core on package.cpath.
local version = _VERSION:match("%d+%.%d+")
return rawget(_G, "jit") and "luajit" or ("lua" .. version)
