package billing

import "errors"

// RenderPDF renders an issued document as PDF. This stub stands in until the PDF renderer (pdf.go) is merged; the
// lead deletes it then.
func RenderPDF(doc Document, hash string) ([]byte, error) {
	return nil, errors.New("PDF rendering not built yet")
}
