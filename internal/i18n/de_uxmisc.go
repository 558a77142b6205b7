package i18n

// German for the issue-13 leftovers: the DKIM note of the mail page and the admin's resellers over their plan.
func init() {
	Add(De, map[string]string{
		"The mail server has a DKIM key for this domain that can't be published as a DNS record, so no DKIM record is shown. Ask your provider to create a new key.": "Der Mailserver hat für diese Domain einen DKIM-Schlüssel, der sich nicht als DNS-Eintrag veröffentlichen lässt; deshalb wird kein DKIM-Eintrag angezeigt. Bitten Sie Ihren Anbieter, einen neuen Schlüssel zu erstellen.",
	})
	AddPlural(En, map[string]Plural{
		"%d resellers over their plan's limits": {"%d reseller over its plan's limits", "%d resellers over their plan's limits"},
	})
	AddPlural(De, map[string]Plural{
		"%d resellers over their plan's limits": {"%d Reseller über den Grenzen seines Tarifs", "%d Reseller über den Grenzen ihres Tarifs"},
	})
}
