ALTER TABLE "accounts" ADD COLUMN "person_email" text;--> statement-breakpoint
CREATE INDEX "accounts_sort_email_id_idx" ON "accounts" USING btree (coalesce("person_email", lower("name")),"id");--> statement-breakpoint
CREATE INDEX "accounts_person_email_prefix_idx" ON "accounts" USING btree ("person_email" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "accounts_name_prefix_idx" ON "accounts" USING btree (lower("name") text_pattern_ops);--> statement-breakpoint
-- hand-written:
-- The person's address on every personal account, then kept by the triggers on users (0011) that
-- already keep its name: whatever creates a user or changes its address, in the same transaction.
UPDATE "accounts" a SET "person_email" = u.email FROM "users" u WHERE u.id = a.personal_user_id;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "create_personal_account"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO accounts (id, kind, name, person_email, personal_user_id, created_at, updated_at)
    VALUES (NEW.id, 'personal', coalesce(nullif(NEW.name, ''), NEW.email), NEW.email, NEW.id, NEW.created_at, NEW.created_at);
  INSERT INTO memberships (account_id, user_id, role, created_at, updated_at)
    VALUES (NEW.id, NEW.id, 'owner', NEW.created_at, NEW.created_at);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "rename_personal_account"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE accounts SET name = coalesce(nullif(NEW.name, ''), NEW.email), person_email = NEW.email, updated_at = now()
    WHERE personal_user_id = NEW.id
      AND (name IS DISTINCT FROM coalesce(nullif(NEW.name, ''), NEW.email) OR person_email IS DISTINCT FROM NEW.email);
  RETURN NULL;
END
$$;
