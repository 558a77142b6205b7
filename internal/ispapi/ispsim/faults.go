package ispsim

import (
	"io"
	"net"
	"net/http"
	"time"
)

// FaultKind selects what an injected fault does to a response.
type FaultKind int

const (
	// FaultNone is no fault.
	FaultNone FaultKind = iota
	// FaultLatency only delays the response by Fault.Latency; the call itself succeeds.
	FaultLatency
	// FaultHTTP500 answers HTTP 500 with an empty body, as PHP does after a fatal error (or, on panels whose mysqli
	// throws, after an SQL error; API.md §1.4).
	FaultHTTP500
	// FaultReset closes the connection without any response (connection reset).
	FaultReset
	// FaultGarbage answers HTTP 200 with a body that is not a JSON envelope (PHP warnings before truncated JSON).
	FaultGarbage
	// FaultDown answers 502 Bad Gateway with an HTML page, as a reverse proxy does when the panel is down.
	FaultDown
)

// String returns the kind's name.
func (k FaultKind) String() string {
	return [...]string{"none", "latency", "http500", "reset", "garbage", "down"}[k]
}

// Fault describes an injected failure.
type Fault struct {
	Kind FaultKind
	// Rate is the probability that a matching call is hit, decided by the seeded random source (WithSeed); 0 or ≥ 1
	// hits every matching call.
	Rate float64
	// Latency delays the response of every hit call (before the call runs, or before the fault response when After).
	Latency time.Duration
	// After runs the call first — its writes are applied and it is logged with Applied true — and then loses the
	// response to the fault. Without After the call never runs.
	After bool
	// Times limits the fault to the next Times hits; 0 means no limit.
	Times int
}

type faultState struct {
	f    Fault
	left int
}

// SetFault installs f for the function fn, or for every function when fn is "" (a function's own fault takes
// precedence over the global one). A Fault with Kind FaultNone removes it.
func (s *Sim) SetFault(fn string, f Fault) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if f.Kind == FaultNone {
		delete(s.faults, fn)
		return
	}
	s.faults[fn] = &faultState{f: f, left: f.Times}
}

// ClearFaults removes every injected fault.
func (s *Sim) ClearFaults() {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	clear(s.faults)
}

// pickFault decides whether the call of fn is hit and returns the fault, or nil.
func (s *Sim) pickFault(fn string) *Fault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if len(s.faults) == 0 {
		return nil
	}
	key := fn
	st := s.faults[fn]
	if st == nil {
		key, st = "", s.faults[""]
	}
	if st == nil {
		return nil
	}
	if st.f.Rate > 0 && st.f.Rate < 1 && s.rng.Float64() >= st.f.Rate {
		return nil
	}
	if st.f.Times > 0 {
		st.left--
		if st.left <= 0 {
			delete(s.faults, key)
		}
	}
	f := st.f
	return &f
}

func (s *Sim) writeFault(w http.ResponseWriter, r *http.Request, k FaultKind) {
	switch k {
	case FaultHTTP500:
		w.WriteHeader(http.StatusInternalServerError)
	case FaultReset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					tc.SetLinger(0)
				}
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case FaultGarbage:
		w.Header().Set("Content-Type", `application/json; charset="utf-8"`)
		io.WriteString(w, "<br />\n<b>Warning</b>:  Undefined array key \"x\" in <b>/usr/local/ispconfig/interface/lib/classes/remoting.inc.php</b> on line <b>42</b><br />\n{\"code\":\"ok\",\"message\":\"\",\"resp")
	case FaultDown:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
	}
}
