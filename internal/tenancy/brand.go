package tenancy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	"image/png"
	"regexp"
	"strconv"
	"strings"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/store"
)

// MaxLogoBytes is the largest logo a brand may upload.
const MaxLogoBytes = 256 << 10

// BrandInput is a branding form as submitted. Logo is the uploaded file's bytes (nil: keep the stored one).
type BrandInput struct {
	Name, Accent, SupportEmail string
	Logo                       []byte
	RemoveLogo                 bool
}

// brandOwner is whose look the actor edits: an admin's is the operator's (nil), a reseller's its own. It comes
// from the session, never from the request, so nobody can name another reseller's brand.
func brandOwner(a Actor) (*int64, error) {
	switch a.Effective.Role {
	case store.RoleAdmin:
		return nil, nil
	case store.RoleReseller:
		if a.Effective.CustomerID != nil {
			return a.Effective.CustomerID, nil
		}
	}
	return nil, fail.Forbidden("Only resellers and administrators have a brand.")
}

// ShownBrand returns the look pages wear for a reseller's clients and visitors (resellerID), or for everyone else
// (nil: the operator's).
func (s *Service) ShownBrand(ctx context.Context, resellerID *int64) (store.Brand, error) {
	return store.NewBrands(s.pool).Shown(ctx, resellerID)
}

// Logo returns the logo stored under its content hash, and its media type: public, like the pages wearing it.
func (s *Service) Logo(ctx context.Context, hash string) ([]byte, string, error) {
	return store.NewBrands(s.pool).Logo(ctx, hash)
}

// OwnBrand returns the actor's own brand settings for its branding page.
func (s *Service) OwnBrand(ctx context.Context, a Actor) (store.Brand, error) {
	owner, err := brandOwner(a)
	if err != nil {
		return store.Brand{}, err
	}
	return store.NewBrands(s.pool).Own(ctx, owner)
}

var accentRe = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// SaveBrand validates and stores the actor's brand: display name, accent colour (#rrggbb; the text on it is picked
// for contrast), support email and logo (PNG or JPEG, at most MaxLogoBytes). Audited.
func (s *Service) SaveBrand(ctx context.Context, a Actor, in BrandInput) error {
	owner, err := brandOwner(a)
	if err != nil {
		return err
	}
	errs := fail.Fields{}
	b := store.Brand{OwnerID: owner}
	name, msg := ispapi.CleanText(in.Name, 64, false)
	errs.Add("name", msg)
	if owner == nil && name == "" {
		errs.Addf("name", i18n.M("Enter the name pages and emails show."))
	}
	b.Name = name
	if acc := strings.TrimSpace(in.Accent); acc != "" {
		if !accentRe.MatchString(acc) {
			errs.Addf("accent", i18n.M("Enter a colour as # and six hex digits, e.g. #1f5fbf."))
		} else {
			b.Accent = strings.ToLower(acc)
		}
	}
	if e := strings.TrimSpace(in.SupportEmail); e != "" {
		if n, err := ispapi.NormalizeEmail(e); err != nil || len(n) > 254 {
			errs.Addf("support_email", i18n.M("Enter a valid email address."))
		} else {
			b.SupportEmail = n
		}
	}
	var logo []byte
	if len(in.Logo) > 0 && !in.RemoveLogo {
		typ, msg := CheckLogo(in.Logo)
		if msg != "" {
			errs.Addf("logo", msg)
		} else {
			sum := sha256.Sum256(in.Logo)
			logo, b.LogoType, b.LogoHash = in.Logo, typ, hex.EncodeToString(sum[:])
		}
	}
	if len(errs) > 0 {
		return errs.Err()
	}
	err = store.NewBrands(s.pool).Save(ctx, b, logo, in.RemoveLogo)
	var id int64
	if owner != nil {
		id = *owner
	}
	detail := "name " + strconv.Quote(b.Name) + ", accent " + b.Accent
	if logo != nil {
		detail += ", new logo " + b.LogoHash[:12]
	} else if in.RemoveLogo {
		detail += ", logo removed"
	}
	s.auditErr(ctx, a, "brand.save", "brand", id, err, detail)
	return err
}

// CheckLogo returns the logo's content type, or a message saying why it is refused: only PNG and JPEG images
// (decoded, not trusted by name) of at most MaxLogoBytes and 2000 × 2000 pixels. SVG is refused: it can carry
// scripts.
func CheckLogo(data []byte) (string, string) {
	if len(data) > MaxLogoBytes {
		return "", i18n.M("The logo is larger than 256 KB.")
	}
	var (
		cfg image.Config
		err error
		typ string
	)
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		cfg, err = pngConfig(data)
		typ = "image/png"
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
		typ = "image/jpeg"
	default:
		return "", i18n.M("The logo must be a PNG or JPEG image.")
	}
	if err != nil {
		return "", i18n.M("The logo must be a PNG or JPEG image.")
	}
	if cfg.Width > 2000 || cfg.Height > 2000 || cfg.Width < 1 || cfg.Height < 1 {
		return "", i18n.M("The logo may be at most 2000 × 2000 pixels.")
	}
	return typ, ""
}

// pngConfig reads a PNG's size and, when that is within the limit (so a small file claiming a huge image can't make
// it allocate), decodes it whole once, so a truncated or corrupt file is refused too.
func pngConfig(data []byte) (image.Config, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width > 2000 || cfg.Height > 2000 {
		return cfg, err
	}
	_, err = png.Decode(bytes.NewReader(data))
	return cfg, err
}

// ValidAccent reports whether s is a colour as brands store it (#rrggbb, lower case).
func ValidAccent(s string) bool { return accentRe.MatchString(s) && s == strings.ToLower(s) }
