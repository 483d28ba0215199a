package skypanel

//go:generate go tool oapi-codegen -config gen/cfg.yaml openapi.yaml
//go:generate go tool oapi-codegen -config api/cfg.yaml openapi.yaml
//go:generate go tool oapi-codegen -config gen/daemonapi/cfg.yaml daemon.yaml
//go:generate go tool ent generate --feature sql/upsert,sql/execquery ./ent/schema
