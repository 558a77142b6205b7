package ispapi

import "testing"

func TestVerifyMailPassword(t *testing.T) {
	tests := []struct {
		pw, want string
	}{
		{"Hello world!", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
		{"Hello world!", "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."},
	}
	for _, tt := range tests {
		if !VerifyMailPassword(tt.pw, tt.want) {
			t.Errorf("VerifyMailPassword(%q, %s) = false, want true", tt.pw, tt.want)
		}
		if VerifyMailPassword(tt.pw+"x", tt.want) {
			t.Errorf("VerifyMailPassword(wrong, %s) = true, want false", tt.want)
		}
	}
	for _, h := range []string{"", "plain", "$1$abc$def", "$6$rounds=x$salt$h", DummyMailPasswordHash} {
		if VerifyMailPassword("Hello world!", h) {
			t.Errorf("VerifyMailPassword(_, %q) = true, want false", h)
		}
	}
}
