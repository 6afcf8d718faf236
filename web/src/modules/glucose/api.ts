import { useEffect, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type ApiResult } from '../../api/client';
import { useAuth } from '../../platform/auth/auth';
import { useStreamStatus, useTopic } from '../../platform/realtime/stream';
import type { GlucoseUnit } from './units';

export type PatientItem = ApiResult<'/api/v1/glucose/patients', 'get'>['items'][number];
export type Current = ApiResult<'/api/v1/glucose/patients/{patientId}/readings/current', 'get'>;
export type History = ApiResult<'/api/v1/glucose/patients/{patientId}/readings', 'get'>;
export type PatientSettings = ApiResult<'/api/v1/glucose/patients/{patientId}/settings', 'get'>;

export const glucoseKeys = {
  all: ['glucose'] as const,
  patients: ['glucose', 'patients'] as const,
  patient: (id: string) => ['glucose', 'patient', id] as const,
  current: (id: string) => ['glucose', 'patient', id, 'current'] as const,
  history: (id: string, hours: number) => ['glucose', 'patient', id, 'history', hours] as const,
  settings: (id: string) => ['glucose', 'patient', id, 'settings'] as const,
  alerts: ['glucose', 'alerts'] as const,
  careTeam: ['glucose', 'care-team'] as const,
  credentials: (id: string) => ['glucose', 'patient', id, 'credentials'] as const,
};

export const readingsTopic = (patientId: string) => `glucose.readings:${patientId}`;
export const alertsTopic = (patientId: string) => `glucose.alerts:${patientId}`;

/** The viewer's display unit (their own preference, whoever's data they look at). */
/** A patient's settings (time zone, diabetes type, targets) once the id is known. */
export const usePatientSettings = (patientId: string | undefined) => useQuery({
  queryKey: glucoseKeys.settings(patientId ?? ''),
  queryFn: ({ signal }) => api.get('/api/v1/glucose/patients/{patientId}/settings', { params: { patientId: patientId! }, signal }),
  enabled: Boolean(patientId),
});

/** A patient's latest reading; a poll backs up the live stream so that "stale" shows even when no event comes. */
export const useCurrentReading = (patientId: string | undefined) => useQuery({
  queryKey: glucoseKeys.current(patientId ?? ''),
  queryFn: ({ signal }) => api.get('/api/v1/glucose/patients/{patientId}/readings/current', { params: { patientId: patientId! }, signal }),
  enabled: Boolean(patientId),
  refetchInterval: 60_000,
});

export function useUnit(): GlucoseUnit {
  const { me } = useAuth();
  return (me?.glucoseUnit as GlucoseUnit | undefined) ?? 'mg/dL';
}

/** `me` in a path means the signed-in patient; topics need the real id. */
export function useResolvedPatientId(patientId: string | undefined): string | undefined {
  const { me } = useAuth();
  if (patientId === 'me') return me?.id;
  return patientId;
}

/**
 * A patient's readings stay current without reload: any reading event refreshes what is on screen for that
 * patient (current value, chart, list). After the stream reconnects, a refetch recovers what was missed.
 */
export function useLiveReadings(patientId: string | undefined) {
  const queryClient = useQueryClient();
  useTopic(patientId ? readingsTopic(patientId) : null, (event) => {
    if (!patientId) return;
    if (event === 'reading.created' || event === 'readings.backfilled' || event === 'reading.deleted') {
      void queryClient.invalidateQueries({ queryKey: glucoseKeys.patient(patientId) });
      void queryClient.invalidateQueries({ queryKey: glucoseKeys.patients });
    }
  });
  useTopic(patientId ? alertsTopic(patientId) : null, () => {
    if (!patientId) return;
    void queryClient.invalidateQueries({ queryKey: glucoseKeys.patient(patientId) });
    void queryClient.invalidateQueries({ queryKey: glucoseKeys.alerts });
  });
}

/**
 * The server keeps no replay buffer (§6): whenever the stream (re)opens, what is on screen is fetched again so
 * readings and alerts sent while it was down appear.
 */
export function useRecoverOnReconnect() {
  const queryClient = useQueryClient();
  const status = useStreamStatus();
  const previous = useRef(status);
  useEffect(() => {
    if (status === 'open' && previous.current === 'connecting') void queryClient.invalidateQueries({ queryKey: glucoseKeys.all });
    previous.current = status;
  }, [status, queryClient]);
}

/** Re-renders every 30 s so "n min ago" stays true between readings. */
export function useTick(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

export const minutesSince = (iso: string | null | undefined, now: number): number | null =>
  iso ? Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60_000)) : null;
