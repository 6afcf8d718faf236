/** Patients created through the admin API (argon2 bounds it: a few at a time). */
export async function createPatients(url: string, adminToken: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  const run = Date.now().toString(36);
  const one = async (i: number) => {
    const res = await fetch(`${url}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ email: `bench-patient-${run}-${i}@atrium.local`, displayName: `Bench patient ${i}`, password: 'bench-patient-password', roles: ['patient'] }),
    });
    if (res.status !== 201) throw new Error(`patient ${i} not created: ${res.status} ${await res.text()}`);
    ids[i] = ((await res.json()) as { id: string }).id;
  };
  for (let i = 0; i < count; i += 4) await Promise.all(Array.from({ length: Math.min(4, count - i) }, (_, k) => one(i + k)));
  return ids;
}
