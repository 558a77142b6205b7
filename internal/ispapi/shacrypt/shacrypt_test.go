package shacrypt

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
		if got := Hash(tt.pw, tt.salt, tt.rounds, tt.explicit); got != tt.want {
			t.Errorf("Hash(%q, %q): got %s, want %s", tt.pw, tt.salt, got, tt.want)
		}
	}
	h := Hash("S3cret!pass", "0123456789abcdef", 5000, true)
	if !Verify("S3cret!pass", h) || Verify("other", h) {
		t.Errorf("verifyCrypt round trip failed for %s", h)
	}
	if len(h) != len("$6$rounds=5000$")+16+1+86 {
		t.Errorf("hash %q: got length %d, want %d", h, len(h), len("$6$rounds=5000$")+16+1+86)
	}
}
