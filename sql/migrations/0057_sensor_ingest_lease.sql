-- Sensor ingest in lease mode (MQTT_INGEST=lease, decision 0038): exactly one instance holds the
-- lease and consumes the broker's stream with one fixed client id and a persistent session; the
-- holder renews it every few seconds, another instance takes it once it has expired.
CREATE TABLE IF NOT EXISTS sensor_ingest_lease (
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now()
);
