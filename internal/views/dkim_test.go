package views

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
)

// The example keys of RFC 8463, appendix A: an RSA key (SubjectPublicKeyInfo) and an Ed25519 key (its seed and
// the record's raw public key).
const (
	rfc8463RSA     = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
	rfc8463Seed    = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
	rfc8463Ed25519 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
)

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// wrapped is b64 folded at 64 characters, like a PEM body pasted without its armour.
func wrapped(b64 string) string {
	var lines []string
	for len(b64) > 64 {
		lines, b64 = append(lines, b64[:64]), b64[64:]
	}
	return strings.Join(append(lines, b64), "\n")
}

// TestDKIMRecord: the record's k= and p= follow the key's type: RSA keys are published as their
// SubjectPublicKeyInfo (however they are stored), Ed25519 keys as the raw 32 bytes RFC 8463 asks for; anything
// else gives no record rather than a wrong one.
func TestDKIMRecord(t *testing.T) {
	rsaDER, err := base64.StdEncoding.DecodeString(rfc8463RSA)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.ParsePKIXPublicKey(rsaDER)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := x509.MarshalPKCS1PublicKey(k.(*rsa.PublicKey))
	seed, _ := base64.StdEncoding.DecodeString(rfc8463Seed)
	edSPKI, err := x509.MarshalPKIXPublicKey(ed25519.NewKeyFromSeed(seed).Public())
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecSPKI, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	// A 512-bit RSA key: parses, but verifiers refuse it (RFC 8301).
	small := &rsa.PublicKey{N: new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 511), big.NewInt(1)), E: 65537}
	smallSPKI, err := x509.MarshalPKIXPublicKey(small)
	if err != nil {
		t.Fatal(err)
	}
	rsaRecord := "v=DKIM1; k=rsa; p=" + rfc8463RSA
	for _, c := range []struct{ name, stored, want string }{
		{"RSA, PEM", pemOf("PUBLIC KEY", rsaDER), rsaRecord},
		{"RSA, PEM with CRLF and blanks around", "  " + strings.ReplaceAll(pemOf("PUBLIC KEY", rsaDER), "\n", "\r\n") + "\n\n", rsaRecord},
		{"RSA, bare base64", rfc8463RSA, rsaRecord},
		{"RSA, bare base64 folded", wrapped(rfc8463RSA), rsaRecord},
		{"RSA, PKCS #1 PEM", pemOf("RSA PUBLIC KEY", pkcs1), rsaRecord},
		{"Ed25519, PEM", pemOf("PUBLIC KEY", edSPKI), "v=DKIM1; k=ed25519; p=" + rfc8463Ed25519},
		{"Ed25519, bare base64", base64.StdEncoding.EncodeToString(edSPKI), "v=DKIM1; k=ed25519; p=" + rfc8463Ed25519},
		{"ECDSA", pemOf("PUBLIC KEY", ecSPKI), ""},
		{"RSA under 1024 bits", pemOf("PUBLIC KEY", smallSPKI), ""},
		{"truncated key", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\nMIIBCgKCAQEAtest\n-----END PUBLIC KEY-----\n", ""},
		{"private key", pemOf("PRIVATE KEY", rsaDER), ""},
		{"two blocks", pemOf("PUBLIC KEY", rsaDER) + pemOf("PUBLIC KEY", rsaDER), ""},
		{"not base64", "not a key", ""},
		{"empty", "", ""},
	} {
		got, ok := dkimRecord(c.stored)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s: %q, %v; want %q", c.name, got, ok, c.want)
		}
	}
}
