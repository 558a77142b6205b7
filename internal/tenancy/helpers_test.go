package tenancy_test

import (
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/testenv"
)

func tenancyClient(e *testenv.Env, r store.Customer, plan store.Plan, email string) tenancy.NewCustomer {
	return tenancy.NewCustomer{Kind: store.RoleClient, ResellerID: &r.ID, PlatformID: e.Platform.ID, PlanID: plan.ID,
		Name: "Name of " + email, Email: email, Username: testenv.Username(email), PasswordHash: "$argon2id$unused"}
}

func tenancyClientOf(e *testenv.Env, email string) tenancy.NewCustomer {
	plan := e.Plan(nil, store.RoleClient, "plan of "+email, testenv.Unlimited)
	return tenancy.NewCustomer{Kind: store.RoleClient, PlatformID: e.Platform.ID, PlanID: plan.ID,
		Name: "Name of " + email, Email: "other-" + email, Username: testenv.Username(email), PasswordHash: "$argon2id$unused"}
}
