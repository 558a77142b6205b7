package ispapi

import "testing"

func TestSHA512Crypt_Vectors(t *testing.T) {
	tests := []struct {
		pw, salt string
		rounds   int
		explicit bool
		want     string
	}{
		{"Hello world!", "saltstring", 5000, false, "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
		{"Hello world!", "saltstringsaltstring", 10000, true, "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."},
	}
	for _, tt := range tests {
		if got := sha512Crypt(tt.pw, tt.salt, tt.rounds, tt.explicit); got != tt.want {
			t.Errorf("sha512Crypt(%q, %q): got %s, want %s", tt.pw, tt.salt, got, tt.want)
		}
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
