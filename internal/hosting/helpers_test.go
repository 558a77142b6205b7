package hosting_test

import "portal/internal/ispapi/ispsim"

var ispsimDown = ispsim.Fault{Kind: ispsim.FaultDown}
