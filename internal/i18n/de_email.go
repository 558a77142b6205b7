package i18n

// German for the frame of outgoing emails (views/email.templ); each message's own words belong to its sender.
func init() {
	Add(De, map[string]string{
		"Or copy this address into your browser:": "Oder kopieren Sie diese Adresse in Ihren Browser:",
	})
}
