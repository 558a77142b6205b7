package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Brand is a look: the operator's (OwnerID nil) or a reseller's. Empty fields fall back when it is shown
// (BrandOf): a reseller's name to its customer name, its accent to the default colour.
type Brand struct {
	OwnerID      *int64
	Name         string
	Accent       string // "#rrggbb" or "" for the default
	SupportEmail string
	LogoType     string // "" when there is no logo
	LogoHash     string // hex SHA-256 of the logo; its URL
	UpdatedAt    time.Time
	OfReseller   bool // as shown (Shown, ShownFor, a session's): the look is a reseller's, not the operator's
}

// Brands reads and writes the brands table.
type Brands struct{ db DBTX }

// NewBrands returns the brands table over db.
func NewBrands(db DBTX) Brands { return Brands{db: db} }

// shownBrand is the look a page or message wears for brand owner $1 (a reseller's id, or NULL for the operator):
// the reseller's own settings, its name when it set none, and the operator's look for everyone else. Always one
// row. Its columns are the ones scanBrand reads.
func shownBrand(owner string) string {
	return `SELECT CASE WHEN r.id IS NULL THEN coalesce(ob.name, 'Portal') ELSE coalesce(nullif(rb.name, ''), r.name) END AS name,
		CASE WHEN r.id IS NULL THEN coalesce(ob.accent, '') ELSE coalesce(rb.accent, '') END AS accent,
		CASE WHEN r.id IS NULL THEN coalesce(ob.support_email, '') ELSE coalesce(rb.support_email, '') END AS support_email,
		CASE WHEN r.id IS NULL THEN coalesce(ob.logo_type, '') ELSE coalesce(rb.logo_type, '') END AS logo_type,
		CASE WHEN r.id IS NULL THEN coalesce(ob.logo_hash, '') ELSE coalesce(rb.logo_hash, '') END AS logo_hash,
		r.id IS NOT NULL AS of_reseller
	FROM (SELECT 1) one
	LEFT JOIN brands ob ON ob.owner_id IS NULL
	LEFT JOIN customers r ON r.id = ` + owner + ` AND r.kind = 'reseller'
	LEFT JOIN brands rb ON rb.owner_id = r.id`
}

func scanBrand(row pgx.Row) (Brand, error) {
	var b Brand
	err := row.Scan(brandDest(&b, nil)...)
	return b, err
}

// brandDest appends the destinations of shownBrand's columns, in order.
func brandDest(b *Brand, dest []any) []any {
	return append(dest, &b.Name, &b.Accent, &b.SupportEmail, &b.LogoType, &b.LogoHash, &b.OfReseller)
}

// Shown returns the look for brand owner ownerID (a reseller) or the operator's (nil).
func (s Brands) Shown(ctx context.Context, ownerID *int64) (Brand, error) {
	b, err := scanBrand(s.db.QueryRow(ctx, shownBrand("$1"), ownerID))
	return b, wrap(err, "brand")
}

// ShownFor returns the look of mail and pages about customer id: its reseller's for a reseller's client, the
// operator's otherwise (also for a nil id).
func (s Brands) ShownFor(ctx context.Context, customerID *int64) (Brand, error) {
	b, err := scanBrand(s.db.QueryRow(ctx,
		shownBrand(`(SELECT reseller_id FROM customers WHERE id = $1)`), customerID))
	return b, wrap(err, "brand of customer %v", customerID)
}

// ShownForSlug returns the look of the signup page at slug: the reseller's whose page it is (migration 00023), the
// operator's for "" (or a slug that names no live reseller).
func (s Brands) ShownForSlug(ctx context.Context, slug string) (Brand, error) {
	b, err := scanBrand(s.db.QueryRow(ctx, shownBrand(`(`+resellerBySlug+`)`), slug))
	return b, wrap(err, "brand of signup page %q", slug)
}

// Own returns owner's own settings as saved (the operator's for nil); a reseller that saved none gets an empty
// Brand.
func (s Brands) Own(ctx context.Context, ownerID *int64) (Brand, error) {
	var b Brand
	err := s.db.QueryRow(ctx, `SELECT owner_id, name, accent, support_email, logo_type, logo_hash, updated_at
		FROM brands WHERE owner_id IS NOT DISTINCT FROM $1`, ownerID).
		Scan(&b.OwnerID, &b.Name, &b.Accent, &b.SupportEmail, &b.LogoType, &b.LogoHash, &b.UpdatedAt)
	if err == pgx.ErrNoRows {
		return Brand{OwnerID: ownerID}, nil
	}
	return b, wrap(err, "own brand")
}

// Save writes owner's settings. logo nil keeps the stored logo; removeLogo drops it.
func (s Brands) Save(ctx context.Context, b Brand, logo []byte, removeLogo bool) error {
	var logoArg any
	if logo != nil {
		logoArg = logo
	}
	// The operator's row always exists (migration 00017); a reseller's is created on its first save.
	_, err := s.db.Exec(ctx, `WITH up AS (
			UPDATE brands SET name = $2, accent = $3, support_email = $4,
				logo = CASE WHEN $7 THEN NULL WHEN $5::bytea IS NOT NULL THEN $5 ELSE logo END,
				logo_type = CASE WHEN $7 THEN '' WHEN $5::bytea IS NOT NULL THEN $6 ELSE logo_type END,
				logo_hash = CASE WHEN $7 THEN '' WHEN $5::bytea IS NOT NULL THEN $8 ELSE logo_hash END,
				updated_at = now()
			WHERE owner_id IS NOT DISTINCT FROM $1 RETURNING 1)
		INSERT INTO brands (owner_id, name, accent, support_email, logo, logo_type, logo_hash)
		SELECT $1, $2, $3, $4, CASE WHEN $7 THEN NULL ELSE $5::bytea END,
			CASE WHEN $7 OR $5::bytea IS NULL THEN '' ELSE $6 END, CASE WHEN $7 OR $5::bytea IS NULL THEN '' ELSE $8 END
		WHERE NOT EXISTS (SELECT 1 FROM up)`,
		b.OwnerID, b.Name, b.Accent, b.SupportEmail, logoArg, b.LogoType, removeLogo, b.LogoHash)
	return wrap(err, "save brand")
}

// Logo returns the logo with content hash hash and its type. Errors: ErrNotFound.
func (s Brands) Logo(ctx context.Context, hash string) ([]byte, string, error) {
	var data []byte
	var typ string
	err := s.db.QueryRow(ctx, `SELECT logo, logo_type FROM brands WHERE logo_hash = $1 LIMIT 1`, hash).Scan(&data, &typ)
	return data, typ, wrap(err, "logo")
}
