package views

import "net/http"

func statusTitle(status int) string {
	switch status {
	case http.StatusNotFound:
		return "Not found"
	case http.StatusForbidden:
		return "Not allowed"
	case http.StatusTooManyRequests:
		return "Slow down"
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return "Hosting platform unavailable"
	}
	if status >= 500 {
		return "Something went wrong"
	}
	return "That didn't work"
}
