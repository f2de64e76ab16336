-- Assigns a global while loading: the script fails to load.
helper = function() end
return {}
