package ispsim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkParallelGet measures the simulator's throughput for small reads from many goroutines.
func BenchmarkParallelGet(b *testing.B) {
	s := New(WithGzip(false))
	s.AddRemoteUser("portal", "ApiPass#2024", "")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("POST", "/remote/json.php?login", strings.NewReader(`{"username":"portal","password":"ApiPass#2024"}`)))
	sid := rec.Body.String()[len(`{"code":"ok","message":"","response":"`):][:32]
	body := `{"session_id":"` + sid + `","server_id":1,"section":"mail"}`
	b.SetParallelism(64)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest("POST", "/remote/json.php?server_get", strings.NewReader(body)))
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}
