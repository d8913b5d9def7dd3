-- The commands of `batch`, from the files of lua/batch/cli/commands/. Each spec: name ("group sub", or
-- one word), args (positional names; "NAME..." takes several), flags (option -> type, see args.lua),
-- keys ("1": api_key and rest_key; "2": rest_key and project_key), usage, summary, help, examples (run
-- by spec/60-cli_spec.lua's docs check through docs/cli.md), and run(ctx, words, opts) -> true, or nil
-- and a batch.Error (its exit status: exit.lua). ctx (see init.lua) gives ctx:client([keys]), ctx.out
-- (output.lua), ctx.progress (progress.lua), ctx.fail(message) (a usage error), ctx.note(message),
-- ctx.report(err) (an error line, the command goes on) and ctx:on_cleanup(fn) (run on any exit).
local list = {}
-- per app (1.x), then per project (2.x), then any route
local FILES = { "campaigns", "exports", "transactional", "custom_data", "events", "custom_audiences", "gdpr",
                "profile_updates", "project", "audiences", "orchestrations", "catalogs", "api" }
for _, file in ipairs(FILES) do
  for _, c in ipairs(require("batch.cli.commands." .. file)) do list[#list + 1] = c end
end

list[#list + 1] = {
  name = "completion", args = { "SHELL" },
  usage = "completion bash|zsh",
  summary = "print the shell completion script for bash or zsh",
  help = [[
bash: source it from ~/.bashrc, or install it as /usr/share/bash-completion/completions/batch.
zsh: save it as _batch in a folder of $fpath (before compinit runs).
The same scripts are in the source tree: completions/batch.bash and completions/_batch.]],
  examples = { "batch completion bash > ~/.local/share/bash-completion/completions/batch",
               "batch completion zsh > ~/.zfunc/_batch   # with fpath=(~/.zfunc $fpath) in ~/.zshrc" },
  run = function(ctx, w)
    local completion = require "batch.cli.completion"
    local script = completion[w[1]]
    if not script then ctx.fail("no completion for '" .. w[1] .. "' (bash or zsh)") end
    ctx.out:raw(script(list))
    ctx.out:flush()
    return true
  end,
}

return { list = list }
