-- A host's circuit-breaker settings where they differ from the defaults (JSON CircuitSettings, src/hosts/host.ts);
-- NULL: the defaults. Host health itself lives in the tenant's HostHealthDO, not here.
ALTER TABLE hosts ADD COLUMN circuit TEXT;
