package views

import (
	"net/http"

	"portal/internal/i18n"
)

func statusTitle(status int) string {
	switch status {
	case http.StatusNotFound:
		return i18n.M("Not found")
	case http.StatusForbidden:
		return i18n.M("Not allowed")
	case http.StatusTooManyRequests:
		return i18n.M("Slow down")
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return i18n.M("Hosting platform unavailable")
	}
	if status >= 500 {
		return i18n.M("Something went wrong")
	}
	return i18n.M("That didn't work")
}
