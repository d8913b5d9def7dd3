rockspec_format = "3.0"
package = "lua-batch"
version = "scm-1"
source = {
  url = "git+https://github.com/lua-batch/lua-batch.git",
}
description = {
  summary = "Lua client for Batch.com's REST API: campaigns, in-app campaigns and data exports",
  detailed = [[
A C core (libcurl) for transfers, authentication and error mapping, and a Lua layer with idiomatic
tables for push and in-app campaigns (API 1.1), CSV exports (API 1.0) and profile/project exports (2.x).
Ships an emulator of the Batch API for tests and demos.
]],
  homepage = "https://github.com/lua-batch/lua-batch",
  license = "MIT",
}
dependencies = {
  "lua >= 5.1, < 5.5",
  "lua-cjson >= 2.1",
}
external_dependencies = {
  -- Library only: LuaRocks looks for headers under include/ alone, and Debian keeps curl/curl.h in a
  -- multiarch folder the compiler finds by itself.
  CURL = { library = "curl" },
}
build = {
  type = "builtin",
  modules = {
    ["batch"] = "lua/batch/init.lua",
    ["batch.campaigns"] = "lua/batch/campaigns.lua",
    ["batch.client"] = "lua/batch/client.lua",
    ["batch.clock"] = "lua/batch/clock.lua",
    ["batch.download"] = "lua/batch/download.lua",
    ["batch.error"] = "lua/batch/error.lua",
    ["batch.exports"] = "lua/batch/exports.lua",
    ["batch.http"] = "lua/batch/http.lua",
    ["batch.json"] = "lua/batch/json.lua",
    ["batch.ngx_names"] = "lua/batch/ngx_names.lua",
    ["batch.ngx_socket"] = "lua/batch/ngx_socket.lua",
    ["batch.ngx_worker"] = "lua/batch/ngx_worker.lua",
    ["batch.options"] = "lua/batch/options.lua",
    ["batch.poll"] = "lua/batch/poll.lua",
    ["batch.project_exports"] = "lua/batch/project_exports.lua",
    ["batch.retry"] = "lua/batch/retry.lua",
    ["batch.rows"] = "lua/batch/rows.lua",
    ["batch.timeutil"] = "lua/batch/timeutil.lua",
    ["batch.transport"] = "lua/batch/transport.lua",
    ["batch.transport_ngx"] = "lua/batch/transport_ngx.lua",
    ["batch.validate"] = "lua/batch/validate.lua",
    ["batch.core"] = {
      sources = {
        "src/agent.c",
        "src/buffer.c",
        "src/clock.c",
        "src/compat.c",
        "src/core.c",
        "src/csv.c",
        "src/csv_lua.c",
        "src/engine.c",
        "src/files.c",
        "src/handle.c",
        "src/headers.c",
        "src/json.c",
        "src/redact.c",
        "src/request.c",
        "src/resolve.c",
        "src/response.c",
        "src/signals.c",
        "src/text.c",
        "src/transfer.c",
      },
      libraries = { "curl" },
      incdirs = { "$(CURL_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)" },
    },
  },
  -- The command line and its modules (pure Lua). bin/batch finds them on the tree's paths.
  install = {
    bin = { batch = "bin/batch" },
    lua = {
      ["batch.cli.init"] = "lua/batch/cli/init.lua",
      ["batch.cli.args"] = "lua/batch/cli/args.lua",
      ["batch.cli.commands"] = "lua/batch/cli/commands.lua",
      ["batch.cli.output"] = "lua/batch/cli/output.lua",
      ["batch.cli.progress"] = "lua/batch/cli/progress.lua",
    },
  },
}
