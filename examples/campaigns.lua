-- Prints one push campaign (with its stats) and one in-app campaign.
-- Keys and base URL come from the environment: BATCH_API_KEY, BATCH_REST_API_KEY, BATCH_BASE_URL.
--   lua5.4 examples/campaigns.lua
local batch = require "batch"
local cjson = require "cjson"

local client = batch.new()

local function die(what, err)
  io.stderr:write(what, ": ", tostring(err), "\n")
  os.exit(1)
end

local page, err = client.campaigns:list{ limit = 1, live = true }
if not page then die("listing campaigns", err) end
if #page == 0 then die("listing campaigns", "no live campaign") end

local campaign
campaign, err = client.campaigns:get(page[1].campaign_token)
if not campaign then die("getting a campaign", err) end
print("Push campaign " .. campaign.campaign_token .. ": " .. tostring(campaign.name))
print(cjson.encode(campaign))

local stats
stats, err = client.campaigns:stats(campaign.campaign_token)
if not stats then die("getting its stats", err) end
for _, day in ipairs(stats.detail) do
  local opens = (day.direct_open or 0) + (day.influenced_open or 0)
  local rate = day.sent > 0 and (100 * opens / day.sent) or 0
  print(string.format("  %s  sent %d, open rate %.1f%%", day.date, day.sent, rate))
end

local inapp
page, err = client.inapp_campaigns:list{ limit = 1 }
if not page then die("listing in-app campaigns", err) end
inapp, err = client.inapp_campaigns:get(page[1].campaign_token)
if not inapp then die("getting an in-app campaign", err) end
print("In-app campaign " .. inapp.campaign_token .. ": " .. tostring(inapp.name))
print(cjson.encode(inapp))

client:close()
