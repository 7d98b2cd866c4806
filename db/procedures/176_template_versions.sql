-- Template history (0025_template_versions.sql), held whatever code writes: a template's text
-- never changes without its version kept, and a kept version is never rewritten.

-- At commit, the template's current version must be in its history with the same text (the
-- console's and the API's statements insert both at once; a bare UPDATE is refused).
CREATE OR REPLACE FUNCTION template_version_kept() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM template_versions v
                   WHERE v.template_id = NEW.id AND v.version = NEW.version
                     AND v.body = NEW.body AND v.subject IS NOT DISTINCT FROM NEW.subject) THEN
        RAISE EXCEPTION 'template % changed without keeping its version %', NEW.id, NEW.version
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS template_version_kept ON templates;
CREATE CONSTRAINT TRIGGER template_version_kept
    AFTER INSERT OR UPDATE OF body, subject, version ON templates
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION template_version_kept();

CREATE OR REPLACE FUNCTION template_versions_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a template version is never rewritten' USING ERRCODE = 'insufficient_privilege';
END
$$;

DROP TRIGGER IF EXISTS template_versions_append_only ON template_versions;
CREATE TRIGGER template_versions_append_only BEFORE UPDATE ON template_versions
    FOR EACH ROW EXECUTE FUNCTION template_versions_append_only();
