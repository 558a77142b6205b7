package i18n

// German for how amounts are typed (billing's parser takes a point or a comma as the decimal mark).
func init() {
	Add(De, map[string]string{
		"Enter an amount such as 12.50, with digits and a decimal mark only.":                  "Geben Sie einen Betrag wie 12,50 ein, nur mit Ziffern und einem Dezimalkomma.",
		"Enter the amount with one decimal mark and no thousands separators, such as 1234.50.": "Geben Sie den Betrag mit einem Dezimalkomma und ohne Tausenderpunkte ein, etwa 1234,50.",
	})
}
