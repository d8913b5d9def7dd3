rockspec_format = "3.0"
package = "lua-batch"
version = "scm-1"
source = {
  url = "git+https://github.com/lua-batch/lua-batch.git",
}
description = {
  summary = "Lua client for Batch.com's REST API: campaigns, transactional pushes, profiles, events, exports",
  detailed = [[
A C core (libcurl) moves the bytes; a Lua layer gives idiomatic tables for every Batch route: push and
in-app campaigns, transactional pushes, custom data, trigger events, custom audiences and GDPR requests
(per app, 1.x), profile updates, audiences, orchestrations and catalogs (per project, 2.x), CSV and
profile exports, and a queue that batches small writes within Batch's rate limits. Runs in plain Lua
5.1 to 5.4, LuaJIT and inside OpenResty/nginx without blocking. Ships the `batch` command line and an
emulator of the Batch API for tests and demos.
]],
  homepage = "https://github.com/lua-batch/lua-batch",
  license = "MIT",
}
-- The C core reads /proc/self/status and calls getrandom(2): Linux.
supported_platforms = { "linux" }
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
    ["batch.api"] = "lua/batch/api.lua",
    ["batch.callback"] = "lua/batch/callback.lua",
    ["batch.client"] = "lua/batch/client.lua",
    ["batch.clock"] = "lua/batch/clock.lua",
    ["batch.engine"] = "lua/batch/engine/init.lua",
    ["batch.engine.policy"] = "lua/batch/engine/policy.lua",
    ["batch.error"] = "lua/batch/error.lua",
    ["batch.files.fetch"] = "lua/batch/files/fetch.lua",
    ["batch.files.rows"] = "lua/batch/files/rows.lua",
    ["batch.files.temp"] = "lua/batch/files/temp.lua",
    ["batch"] = "lua/batch/init.lua",
    ["batch.json"] = "lua/batch/json.lua",
    ["batch.log"] = "lua/batch/log.lua",
    ["batch.options"] = "lua/batch/options.lua",
    ["batch.poll"] = "lua/batch/poll.lua",
    ["batch.queue.batcher"] = "lua/batch/queue/batcher.lua",
    ["batch.queue.bucket"] = "lua/batch/queue/bucket.lua",
    ["batch.queue.file"] = "lua/batch/queue/file.lua",
    ["batch.queue.handover"] = "lua/batch/queue/handover.lua",
    ["batch.queue.hooks"] = "lua/batch/queue/hooks.lua",
    ["batch.queue"] = "lua/batch/queue/init.lua",
    ["batch.queue.kinds"] = "lua/batch/queue/kinds.lua",
    ["batch.queue.ngx"] = "lua/batch/queue/ngx.lua",
    ["batch.queue.plain"] = "lua/batch/queue/plain.lua",
    ["batch.queue.pump"] = "lua/batch/queue/pump.lua",
    ["batch.queue.send"] = "lua/batch/queue/send.lua",
    ["batch.queue.spool"] = "lua/batch/queue/spool.lua",
    ["batch.raw"] = "lua/batch/raw.lua",
    ["batch.redact"] = "lua/batch/redact.lua",
    ["batch.resources.audiences"] = "lua/batch/resources/audiences.lua",
    ["batch.resources.base"] = "lua/batch/resources/base.lua",
    ["batch.resources.campaigns"] = "lua/batch/resources/campaigns.lua",
    ["batch.resources.catalogs"] = "lua/batch/resources/catalogs.lua",
    ["batch.resources.custom_audiences"] = "lua/batch/resources/custom_audiences.lua",
    ["batch.resources.custom_data"] = "lua/batch/resources/custom_data.lua",
    ["batch.resources.events"] = "lua/batch/resources/events.lua",
    ["batch.resources.export_jobs"] = "lua/batch/resources/export_jobs.lua",
    ["batch.resources.exports"] = "lua/batch/resources/exports.lua",
    ["batch.resources.gdpr"] = "lua/batch/resources/gdpr.lua",
    ["batch.resources.orchestrations"] = "lua/batch/resources/orchestrations.lua",
    ["batch.resources.profiles"] = "lua/batch/resources/profiles.lua",
    ["batch.resources.project_exports"] = "lua/batch/resources/project_exports.lua",
    ["batch.resources.transactional"] = "lua/batch/resources/transactional.lua",
    ["batch.routes.audiences"] = "lua/batch/routes/audiences.lua",
    ["batch.routes.campaigns"] = "lua/batch/routes/campaigns.lua",
    ["batch.routes.catalogs"] = "lua/batch/routes/catalogs.lua",
    ["batch.routes.custom_audiences"] = "lua/batch/routes/custom_audiences.lua",
    ["batch.routes.custom_data"] = "lua/batch/routes/custom_data.lua",
    ["batch.routes.events"] = "lua/batch/routes/events.lua",
    ["batch.routes.exports"] = "lua/batch/routes/exports.lua",
    ["batch.routes.gdpr"] = "lua/batch/routes/gdpr.lua",
    ["batch.routes"] = "lua/batch/routes/init.lua",
    ["batch.routes.orchestrations"] = "lua/batch/routes/orchestrations.lua",
    ["batch.routes.profiles"] = "lua/batch/routes/profiles.lua",
    ["batch.routes.project_exports"] = "lua/batch/routes/project_exports.lua",
    ["batch.routes.transactional"] = "lua/batch/routes/transactional.lua",
    ["batch.rules"] = "lua/batch/rules.lua",
    ["batch.timeutil"] = "lua/batch/timeutil.lua",
    ["batch.transport.curl"] = "lua/batch/transport/curl.lua",
    ["batch.transport.func"] = "lua/batch/transport/func.lua",
    ["batch.transport"] = "lua/batch/transport/init.lua",
    ["batch.transport.ngx"] = "lua/batch/transport/ngx.lua",
    ["batch.transport.ngx_names"] = "lua/batch/transport/ngx_names.lua",
    ["batch.transport.ngx_socket"] = "lua/batch/transport/ngx_socket.lua",
    ["batch.transport.ngx_worker"] = "lua/batch/transport/ngx_worker.lua",
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
  -- The emulator's files (mock/), for bin/batch-mock: the rock keeps them in its own folder of the tree.
  copy_directories = { "mock" },
  -- The command line and its modules (pure Lua), and the emulator's launcher. bin/batch finds the modules
  -- on the tree's paths; bin/batch-mock finds mock/ in the rock's folder.
  install = {
    bin = { batch = "bin/batch", ["batch-mock"] = "bin/batch-mock" },
    lua = {
      ["batch.cli.args"] = "lua/batch/cli/args.lua",
      ["batch.cli.batches"] = "lua/batch/cli/batches.lua",
      ["batch.cli.commands"] = "lua/batch/cli/commands.lua",
      ["batch.cli.commands.api"] = "lua/batch/cli/commands/api.lua",
      ["batch.cli.commands.audiences"] = "lua/batch/cli/commands/audiences.lua",
      ["batch.cli.commands.campaigns"] = "lua/batch/cli/commands/campaigns.lua",
      ["batch.cli.commands.catalogs"] = "lua/batch/cli/commands/catalogs.lua",
      ["batch.cli.commands.custom_audiences"] = "lua/batch/cli/commands/custom_audiences.lua",
      ["batch.cli.commands.custom_data"] = "lua/batch/cli/commands/custom_data.lua",
      ["batch.cli.commands.events"] = "lua/batch/cli/commands/events.lua",
      ["batch.cli.commands.exports"] = "lua/batch/cli/commands/exports.lua",
      ["batch.cli.commands.gdpr"] = "lua/batch/cli/commands/gdpr.lua",
      ["batch.cli.commands.orchestrations"] = "lua/batch/cli/commands/orchestrations.lua",
      ["batch.cli.commands.profile_updates"] = "lua/batch/cli/commands/profile_updates.lua",
      ["batch.cli.commands.project"] = "lua/batch/cli/commands/project.lua",
      ["batch.cli.commands.transactional"] = "lua/batch/cli/commands/transactional.lua",
      ["batch.cli.completion"] = "lua/batch/cli/completion.lua",
      ["batch.cli.config"] = "lua/batch/cli/config.lua",
      ["batch.cli.debug"] = "lua/batch/cli/debug.lua",
      ["batch.cli.exit"] = "lua/batch/cli/exit.lua",
      ["batch.cli.fields"] = "lua/batch/cli/fields.lua",
      ["batch.cli.guard"] = "lua/batch/cli/guard.lua",
      ["batch.cli.help"] = "lua/batch/cli/help.lua",
      ["batch.cli"] = "lua/batch/cli/init.lua",
      ["batch.cli.input"] = "lua/batch/cli/input.lua",
      ["batch.cli.output"] = "lua/batch/cli/output.lua",
      ["batch.cli.progress"] = "lua/batch/cli/progress.lua",
      ["batch.cli.queued"] = "lua/batch/cli/queued.lua",
      ["batch.cli.results"] = "lua/batch/cli/results.lua",
      ["batch.cli.signals"] = "lua/batch/cli/signals.lua",

    },
  },
}
