import type { EntityManager } from 'typeorm';
import type { Calendar, CalendarSpec } from '@somnus/contracts';

interface CalendarRow {
  id: string;
  spec: CalendarSpec | string;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

function iso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

function toCalendar(row: CalendarRow): Calendar {
  return {
    id: row.id,
    version: Number(row.version),
    spec: typeof row.spec === 'string' ? (JSON.parse(row.spec) as CalendarSpec) : row.spec,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export class CalendarRepository {
  constructor(
    private readonly manager: EntityManager,
    private readonly schema: string,
  ) {}

  async list(): Promise<Calendar[]> {
    const rows = (await this.manager.query(`SELECT * FROM "${this.schema}".calendars ORDER BY name`)) as CalendarRow[];
    return rows.map(toCalendar);
  }

  async find(id: string): Promise<Calendar | undefined> {
    const rows = (await this.manager.query(`SELECT * FROM "${this.schema}".calendars WHERE id = $1`, [id])) as CalendarRow[];
    return rows[0] ? toCalendar(rows[0]) : undefined;
  }

  async findByName(name: string): Promise<Calendar | undefined> {
    const rows = (await this.manager.query(`SELECT * FROM "${this.schema}".calendars WHERE name = $1`, [name])) as CalendarRow[];
    return rows[0] ? toCalendar(rows[0]) : undefined;
  }

  async insert(id: string, spec: CalendarSpec, at: Date): Promise<Calendar> {
    const rows = (await this.manager.query(
      `INSERT INTO "${this.schema}".calendars (id, name, spec, version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4) RETURNING *`,
      [id, spec.name, JSON.stringify(spec), at],
    )) as CalendarRow[];
    return toCalendar(rows[0]);
  }

  async replace(id: string, spec: CalendarSpec, at: Date): Promise<Calendar> {
    const rows = (await this.manager.query(
      `UPDATE "${this.schema}".calendars SET name = $2, spec = $3, version = version + 1, updated_at = $4 WHERE id = $1 RETURNING *`,
      [id, spec.name, JSON.stringify(spec), at],
    )) as CalendarRow[];
    return toCalendar(rows[0]);
  }

  async remove(id: string): Promise<void> {
    await this.manager.query(`DELETE FROM "${this.schema}".calendars WHERE id = $1`, [id]);
  }
}
