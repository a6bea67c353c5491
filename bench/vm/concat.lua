-- Build 10^5 small strings "item" .. i .. "," and join them (bench/vm.sh).
local t = {}
for i = 1, 100000 do t[#t + 1] = "item" .. i .. "," end
print(#table.concat(t))
