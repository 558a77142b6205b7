package i18n

// German for the admin's audit log, domain conflicts, drift and outbox pages.
func init() {
	Add(De, map[string]string{
		"Account": "Konto", "email contains": "E-Mail enthält", "Outcome": "Ergebnis", "any": "alle", "Filter": "Filtern",
		"success": "erfolgreich", "failure": "fehlgeschlagen", "denied": "abgelehnt",
		"When": "Zeitpunkt", "Acting": "Ausgeführt von", "As": "Als", "Action": "Aktion", "Object": "Objekt", "IP": "IP",
		"Detail": "Detail", "No entries match.": "Keine passenden Einträge.", "Older entries": "Ältere Einträge",
		"e.g. signin": "z. B. signin",
		"Name":        "Name", "Used by": "Verwendet von", "Overlaps with": "Überschneidet sich mit", "Held by": "Belegt von",
		"Domain names used by more than one customer": "Domainnamen, die mehr als ein Kunde verwendet",
		"Found when the domain registry was first filled from existing records. New sites, mail domains and domain entries can't create such overlaps; move or remove one side to resolve each.": "Gefunden, als das Domain-Verzeichnis erstmals aus bestehenden Einträgen gefüllt wurde. Neue Websites, E-Mail-Domains und Domain-Einträge können solche Überschneidungen nicht erzeugen; verschieben oder entfernen Sie jeweils eine Seite, um sie aufzulösen.",
		"No conflicts.": "Keine Konflikte.",
		"Customer":      "Kunde", "What": "Was", "Problem": "Problem", "Found": "Gefunden", "Differences": "Abweichungen",
		"Make the portal's record match ISPConfig?": "Den Eintrag des Portals an ISPConfig angleichen?",
		"Adopt": "Übernehmen",
		"Write the portal's values to ISPConfig?": "Die Werte des Portals nach ISPConfig schreiben?",
		"Push ours back": "Werte des Portals zurückübertragen",
		"Create it in ISPConfig again from the portal's record?": "In ISPConfig aus dem Eintrag des Portals neu anlegen?",
		"Create in ISPConfig":     "In ISPConfig anlegen",
		"Delete it in ISPConfig?": "In ISPConfig löschen?",
		"Delete in ISPConfig":     "In ISPConfig löschen",
		"Forget":                  "Verwerfen", "No differences.": "Keine Abweichungen.",
		"missing in ISPConfig": "fehlt in ISPConfig", "only in ISPConfig": "nur in ISPConfig",
		"changed outside the portal": "außerhalb des Portals geändert", "Check now": "Jetzt prüfen",
		"Differences between the portal's records and ISPConfig. The check never changes anything by itself. Adopt makes the portal's record match ISPConfig; push ours back makes ISPConfig match the portal: changed values are written back (names can't be), a site, mail domain or domain-limit entry missing there is created again, what exists only there is deleted; forget ignores the difference from now on.": "Abweichungen zwischen den Einträgen des Portals und ISPConfig. Die Prüfung ändert selbst nie etwas. Übernehmen gleicht den Eintrag des Portals an ISPConfig an; Zurückübertragen gleicht ISPConfig an das Portal an: Geänderte Werte werden zurückgeschrieben (Namen nicht), eine dort fehlende Website, E-Mail-Domain oder ein fehlender Domain-Eintrag wird neu angelegt, was nur dort existiert, wird gelöscht; Verwerfen ignoriert die Abweichung ab jetzt.",
		"Outgoing email": "Ausgehende E-Mails", "To": "An", "Subject": "Betreff", "From": "Von",
		"queued": "in der Warteschlange", "retrying": "erneuter Versuch", "failed": "fehlgeschlagen", "sent": "gesendet", "held": "zurückgehalten",
		"State": "Status", "Attempts": "Versuche", "Resend %s": "%s erneut senden", "Resend": "Erneut senden",
		"No messages.": "Keine Nachrichten.", "Last error": "Letzter Fehler",
		"Sending is off (PORTAL_SMTP_URL=off): messages are kept here as held and never sent.": "Der Versand ist aus (PORTAL_SMTP_URL=off): Nachrichten bleiben hier als zurückgehalten und werden nie gesendet.",
		"Back to the outbox": "Zurück zum Postausgang", "Show:": "Anzeigen:", "all": "alle",
	})
	AddPlural(En, map[string]Plural{"%d attempts": {"%d attempt", "%d attempts"}})
	AddPlural(De, map[string]Plural{"%d attempts": {"%d Versuch", "%d Versuche"}})
}
