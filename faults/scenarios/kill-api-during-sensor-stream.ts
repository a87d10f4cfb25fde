import type { FaultScenario } from '../scenario.ts';
import { runStreamFault } from '../sensor-stream.ts';

/**
 * The API is killed (SIGKILL) while it ingests a QoS 1 sensor stream and is
 * started again with the same MQTT client id: messages received and not yet
 * committed were never acknowledged, so the broker sends them again; nothing
 * is lost and nothing is stored twice (issue 13, finding 7).
 */
const scenario: FaultScenario = {
  name: 'kill-api-during-sensor-stream',
  title: 'kill -9 of the API while it ingests 3,000 QoS 1 uplinks from MQTT, then a restart',
  run: (ctx) =>
    runStreamFault(ctx, {
      label: 'killsensors',
      messages: 3000,
      strikeAt: 1000,
      async strike({ server, restartServer }) {
        const t0 = Date.now();
        await server().kill9();
        await restartServer();
        return `killed at 1000 stored, back after ${Date.now() - t0} ms`;
      },
    }),
};
export default scenario;
