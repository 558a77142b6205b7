package store

// DashboardStatements are the dashboards' statements by role, for the plan test (dashboard_plan_test.go).
var DashboardStatements = map[string]string{"admin": adminDashboard, "reseller": resellerDashboard, "client": clientDashboard}
