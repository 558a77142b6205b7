package i18n

// German for the drift page's reasons and the names of objects inside its sentences (admin pages).
func init() {
	Add(De, map[string]string{
		"only sites, mail domains and domain-limit entries are created again": "nur Websites, E-Mail-Domains und Einträge der Domain-Liste werden neu angelegt",
		"a mailbox needs its password, which the portal doesn't keep":         "ein Postfach braucht sein Passwort, das das Portal nicht speichert",
		"this site":        "diese Website",
		"this mail domain": "diese E-Mail-Domain",
		"this mailbox":     "dieses Postfach",
		"this domain":      "diese Domain",
		"this alias":       "diesen Alias",
		"this forward":     "diese Weiterleitung",
		"this catch-all":   "diesen Catch-all",
	})
}
