package i18n

// German for the state details services keep on records and signups (i18n.Keep): why a record waits or failed.
func init() {
	Add(De, map[string]string{
		"moving from %s": "wird von %s übertragen",
		"the move was not confirmed and moving it back failed; check its owner":                             "die Übertragung wurde nicht bestätigt und das Zurückübertragen ist fehlgeschlagen; prüfen Sie, wem die Domain gehört",
		"the hosting platform stored different values and removing it there failed; delete it to try again": "die Hosting-Plattform hat andere Werte gespeichert und das Entfernen dort ist fehlgeschlagen; löschen Sie den Eintrag, um es erneut zu versuchen",
		"the hosting platform's answer was lost; checking again":                                            "die Antwort der Hosting-Plattform ging verloren; wird erneut geprüft",
		"the last change was not confirmed; checking again":                                                 "die letzte Änderung wurde nicht bestätigt; wird erneut geprüft",
		"the hosting platform's answer was lost; deleting again":                                            "die Antwort der Hosting-Plattform ging verloren; wird erneut gelöscht",
		"the hosting platform did not finish in time":                                                       "die Hosting-Plattform ist nicht rechtzeitig fertig geworden",
		"Waiting for the payment of your first invoice; set-up continues as soon as it is paid.":            "Wir warten auf die Zahlung Ihrer ersten Rechnung; die Einrichtung geht weiter, sobald sie bezahlt ist.",
		"waiting for the hosting platform: %s":                                                              "wartet auf die Hosting-Plattform: %s",
		"the hosting account could not be set up: %s":                                                       "das Hosting-Konto konnte nicht eingerichtet werden: %s",
		"the website could not be set up: %s":                                                               "die Website konnte nicht eingerichtet werden: %s",
		"waiting for the reseller to be set up":                                                             "wartet auf die Einrichtung des Resellers",
		"the username is already used on the hosting platform by someone else":                              "der Benutzername wird auf der Hosting-Plattform bereits von jemand anderem verwendet",
		"missing on the hosting platform":                                                                   "fehlt auf der Hosting-Plattform",
		"the hosting platform refused it: %s":                                                               "die Hosting-Plattform hat abgelehnt: %s",
		"the hosting platform stored different values for: %s":                                              "die Hosting-Plattform hat andere Werte gespeichert für: %s",
		"the hosting platform is not reachable; retrying automatically":                                     "die Hosting-Plattform ist nicht erreichbar; wird automatisch erneut versucht",
		"the portal lacks a permission on the hosting platform; retrying automatically":                     "dem Portal fehlt eine Berechtigung auf der Hosting-Plattform; wird automatisch erneut versucht",
		"the hosting platform failed; retrying automatically":                                               "Fehler der Hosting-Plattform; wird automatisch erneut versucht",
	})
}
