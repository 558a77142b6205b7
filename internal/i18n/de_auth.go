package i18n

// German for signing in, passwords, sign-in addresses and the language choice (views/auth.templ, access.templ).
func init() {
	Add(De, map[string]string{
		"Password":                                            "Passwort",
		"New password (at least 12 characters)":               "Neues Passwort (mindestens 12 Zeichen)",
		"Repeat the new password":                             "Neues Passwort wiederholen",
		"Change your sign-in address":                         "Anmeldeadresse ändern",
		"Language of the portal and of the mail it sends you": "Sprache des Portals und der E-Mails, die es Ihnen sendet",
		"Automatic (browser)":                                 "Automatisch (Browser)",
		"Save":                                                "Speichern",
	})
}
