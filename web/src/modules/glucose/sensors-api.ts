import type { ApiResult } from '../../api/client';

export type SensorList = ApiResult<'/api/v1/glucose/patients/{patientId}/sensors', 'get'>;
export type Sensor = SensorList['items'][number];
export type Prediction = ApiResult<'/api/v1/glucose/patients/{patientId}/predictions/current', 'get'>;
export type Accuracy = ApiResult<'/api/v1/glucose/patients/{patientId}/predictions/accuracy', 'get'>;

export const sensorKeys = {
  sensors: (id: string) => ['glucose', 'patient', id, 'sensors'] as const,
  models: ['glucose', 'device-models'] as const,
  calibrations: (id: string, sensorId: string) => ['glucose', 'patient', id, 'sensors', sensorId, 'calibrations'] as const,
  forecast: (id: string) => ['glucose', 'patient', id, 'forecast'] as const,
  accuracy: (id: string, days: number) => ['glucose', 'patient', id, 'accuracy', days] as const,
  predictions: (id: string) => ['glucose', 'patient', id, 'predictions'] as const,
};

export const devicesTopic = (patientId: string) => `glucose.devices:${patientId}`;

/** SD of the forecast h minutes ahead (§4.10.3 defaults), for the width of the cone. */
export const coneSigma = (h: number) => (h <= 30 ? (20 * h) / 30 : 20 + ((35 - 20) * (h - 30)) / 30);
