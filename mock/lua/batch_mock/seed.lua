-- Deterministic seed data: per app, 25 push campaigns/automations and 12 in-app campaigns.
-- Tokens are md5("batch-mock/<app>/<kind>/<i>"): 32 lowercase hex, the same at every start.
-- Content follows the doc examples (batch-api.md §1.1, §1.6, §2); i = 1 is the oldest.
local ngx = ngx
local json = require "batch_mock.json"
local store = require "batch_mock.store"
local campaigns = require "batch_mock.campaigns"
local keys = require "batch_mock.keys"
local dates = require "batch_mock.dates"

local floor = math.floor

local _M = {}

_M.PUSH_COUNT = 25
_M.IN_APP_COUNT = 12

local BASE_TIME = 1704067200 -- 2024-01-01T00:00:00Z

local date, day = dates.v1, dates.day

function _M.token(app, kind, i)
  return ngx.md5("batch-mock/" .. app .. "/" .. kind .. "/" .. i)
end

local PUSH_NAMES = {
  "Welcome series", "Spring sale", "Weekly digest", "Abandoned cart reminder", "Onboarding D1",
  "New feature: dark mode", "Flash sale 24h", "Re-engagement D7", "Newsletter #12", "Price drop alert",
  "Back in stock", "Summer collection", "Birthday offer", "Weekend deals", "Onboarding D3",
  "App update 5.2", "Loyalty points reminder", "Black Friday teaser", "Black Friday", "Cyber Monday",
  "Inactive users D30", "Holiday gift guide", "Year in review", "New year offer", "Cart reminder automation",
}

local SEGMENT_SETS = {
  { "NEW", "ENGAGED", "ONE_TIME" }, { "ENGAGED" }, { "DORMANT", "IMPORTED" }, { "NEW" },
  { "ONE_TIME", "DORMANT" },
}

local function push_campaign(app, i)
  local created = BASE_TIME + i * 3 * 86400 + (i * 3613) % 86400
  local c = {
    campaign_token = _M.token(app, "push", i),
    from_api = i % 3 == 0,
    dev_only = i % 10 == 7,
    created_date = date(created),
    name = PUSH_NAMES[i] .. " (" .. app .. ")",
    live = i % 4 ~= 0,
    push_time = date(created + 7200),
    gcm_collapse_key = "default",
    targeting = { segments = json.array(SEGMENT_SETS[i % #SEGMENT_SETS + 1]) },
    messages = json.array{
      { language = "en", title = PUSH_NAMES[i], body = "Hello! " .. PUSH_NAMES[i] .. " is here." },
    },
  }
  if i % 2 == 0 then
    c.messages[2] = { language = "fr", title = PUSH_NAMES[i], body = "Bonjour ! " .. PUSH_NAMES[i] .. "." }
  end
  if i % 3 == 1 then c.deeplink = "myapp://campaigns/" .. i end
  if i % 5 == 0 then c.trigger = {} end -- a trigger automation: an empty object (batch-api.md §1.1)
  return c, created
end

-- Stats: none for drafts (i % 4 == 0: detail is empty, as before a send); A/B for i % 6 == 0.
local function push_stats(c, i, created)
  local detail = json.array()
  if i % 4 ~= 0 then
    local days = c.trigger and 5 or 1 + i % 3
    local ab = i % 6 == 0
    for d = 1, days do
      local sent = 500 + (i * 137) % 900 + d * 31
      local item = {
        date = day(created + 7200 + (d - 1) * 86400),
        sent = sent,
        direct_open = floor(sent * (0.08 + (i % 5) * 0.01)),
        influenced_open = floor(sent * 0.06),
        reengaged = floor(sent * 0.01) + d,
        errors = i % 7 == 0 and d or 0,
      }
      if ab then
        -- the doc's A/B example has no top-level sent_optins
        local a = floor(sent / 2)
        local function version(s)
          return { sent = s, sent_optins = floor(s * 0.7), direct_open = floor(s * 0.09),
                   influenced_open = floor(s * 0.05), reengaged = floor(s * 0.01) }
        end
        item.versions = { a = version(a), b = version(sent - a) }
      else
        item.sent_optins = floor(sent * 0.7)
      end
      detail[d] = item
    end
  end
  return { campaign_token = c.campaign_token, detail = detail }
end

local IN_APP_NAMES = {
  "Welcome onboarding", "Rate the app", "Premium upsell", "Satisfaction survey", "New feature tour",
  "Maintenance notice", "Holiday promo", "Win-back offer", "Update available", "Newsletter opt-in",
  "Tutorial tips", "Summer sale banner",
}
local THEMES = { "BANNER-LIGHT", "MODAL-DARK", "FULLSCREEN-PROMO", "HELLO-THEME" }

local function in_app_campaign(app, i)
  local created = BASE_TIME + 86400 * 2 + i * 5 * 86400 + (i * 2417) % 86400
  local c = {
    campaign_token = _M.token(app, "in_app", i),
    from_api = i % 2 == 0,
    dev_only = i == 5,
    created_date = date(created),
    name = IN_APP_NAMES[i] .. " (" .. app .. ")",
    live = i % 3 ~= 0,
    trigger = { capping = i % 3 == 0 and 10 or 1 + i % 3, when = "next_session" },
    targeting = { segments = json.array(SEGMENT_SETS[i % #SEGMENT_SETS + 1]) },
    landing = {
      theme = THEMES[i % #THEMES + 1],
      contents = json.array{
        { language = "en", header = "News", title = IN_APP_NAMES[i], body = "Tap to learn more.",
          actions = json.array{ { action = "DISMISS", label = "Ok" } } },
      },
    },
  }
  if i % 2 == 1 then c.end_date = date(created + 60 * 86400) end
  if i % 4 == 0 then c.local_start_date = date(created + 86400) end
  if i % 3 == 1 then c.trigger.grace_period = { every = 2, unit = "HOURS" } end
  if i % 2 == 0 then
    c.landing.image = "https://static.batch.com/documentation/logo_batch_192.png"
    c.landing.contents[2] = { language = "fr", title = IN_APP_NAMES[i], body = "Touchez pour en savoir plus.",
                              actions = json.array{ { action = "DISMISS", label = "Ok" } } }
  end
  return c
end

-- Writes the seed data of every app into the (flushed) store. Oldest first, so that newer seeds
-- get higher sequence numbers and list newest first.
function _M.all()
  for _, app in ipairs(keys.app_names) do
    for i = 1, _M.PUSH_COUNT do
      local c, created = push_campaign(app, i)
      assert(store.put(app, "push", c, true))
      assert(store.set_params(app, "push", c.campaign_token, campaigns.count_params(c)))
      assert(store.put_stats(app, c.campaign_token, push_stats(c, i, created)))
    end
    for i = 1, _M.IN_APP_COUNT do
      local c = in_app_campaign(app, i)
      assert(store.put(app, "in_app", c, true))
      assert(store.set_params(app, "in_app", c.campaign_token, campaigns.count_params(c)))
    end
  end
end

return _M
