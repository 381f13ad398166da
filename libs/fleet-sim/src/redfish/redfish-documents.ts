// The JSON documents a Redfish BMC serves, shaped as the DMTF public mockups shape them (public-rackmount1 for
// the service root, sessions, systems, chassis, Power/Thermal and EnvironmentMetrics/ThermalSubsystem;
// public-telemetry for a reset advertised through @Redfish.ActionInfo). Pure functions of the emulator's state,
// so a unit test can hold them against the mockups without a server.

/** Which generation of the chassis schemas the BMC speaks. */
export type RedfishProfile =
  /** Chassis `Power` (PowerControl) and `Thermal` (Temperatures); ResetType values inline in `Actions`. */
  | 'legacy'
  /** Chassis `EnvironmentMetrics`, `PowerSubsystem` and `ThermalSubsystem/ThermalMetrics`; ResetType values in a ResetActionInfo. */
  | 'modern';

/** Redfish `PowerState` values (Resource.PowerState). */
export type RedfishPowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff' | 'Paused';

export const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn', 'PushPowerButton', 'PowerCycle'] as const;
export type ResetType = (typeof RESET_TYPES)[number];

export type JsonDocument = { readonly [key: string]: unknown };

export interface EmulatedSystem {
  readonly id: string;
  readonly hostName: string;
  readonly uuid: string;
  /** The state the system reports (may differ from the machine's, when the emulator is told to lie). */
  readonly powerState: RedfishPowerState;
  readonly allowableResetTypes: readonly ResetType[];
}

export interface EmulatedSensors {
  readonly watts: number;
  readonly inletCelsius: number;
  readonly cpuCelsius: number;
  readonly exhaustCelsius: number;
}

export const SERVICE_ROOT = '/redfish/v1';
export const SESSIONS = `${SERVICE_ROOT}/SessionService/Sessions`;

export function chassisIdOf(system: Pick<EmulatedSystem, 'id'>): string {
  return `${system.id}-Chassis`;
}

function link(path: string): { '@odata.id': string } {
  return { '@odata.id': path };
}

function collection(type: string, name: string, path: string, members: readonly string[]): JsonDocument {
  return {
    '@odata.type': `#${type}.${type}`,
    Name: name,
    'Members@odata.count': members.length,
    Members: members.map(link),
    '@odata.id': path,
  };
}

export function serviceRootDocument(options: { readonly uuid: string; readonly sessionService: boolean }): JsonDocument {
  return {
    '@odata.type': '#ServiceRoot.v1_20_0.ServiceRoot',
    Id: 'RootService',
    Name: 'Root Service',
    RedfishVersion: '1.15.0',
    UUID: options.uuid,
    Systems: link(`${SERVICE_ROOT}/Systems`),
    Chassis: link(`${SERVICE_ROOT}/Chassis`),
    Managers: link(`${SERVICE_ROOT}/Managers`),
    ...(options.sessionService ? { SessionService: link(`${SERVICE_ROOT}/SessionService`), Links: { Sessions: link(SESSIONS) } } : { Links: {} }),
    '@odata.id': `${SERVICE_ROOT}/`,
  };
}

export function sessionServiceDocument(): JsonDocument {
  return {
    '@odata.type': '#SessionService.v1_2_0.SessionService',
    Id: 'SessionService',
    Name: 'Session Service',
    Status: { State: 'Enabled', Health: 'OK' },
    ServiceEnabled: true,
    SessionTimeout: 30,
    Sessions: link(SESSIONS),
    '@odata.id': `${SERVICE_ROOT}/SessionService`,
  };
}

export function sessionCollectionDocument(sessionIds: readonly string[]): JsonDocument {
  return collection('SessionCollection', 'Session Collection', SESSIONS, sessionIds.map((id) => `${SESSIONS}/${id}`));
}

export function sessionDocument(session: { readonly id: string; readonly userName: string; readonly createdAt: Date }): JsonDocument {
  return {
    '@odata.type': '#Session.v1_8_0.Session',
    Id: session.id,
    Name: 'User Session',
    Description: 'Manager User Session',
    UserName: session.userName,
    CreatedTime: session.createdAt.toISOString(),
    '@odata.id': `${SESSIONS}/${session.id}`,
  };
}

export function systemCollectionDocument(systems: readonly Pick<EmulatedSystem, 'id'>[]): JsonDocument {
  return collection('ComputerSystemCollection', 'Computer System Collection', `${SERVICE_ROOT}/Systems`, systems.map((s) => `${SERVICE_ROOT}/Systems/${s.id}`));
}

export function computerSystemDocument(system: EmulatedSystem, profile: RedfishProfile): JsonDocument {
  const path = `${SERVICE_ROOT}/Systems/${system.id}`;
  const reset =
    profile === 'legacy'
      ? { target: `${path}/Actions/ComputerSystem.Reset`, 'ResetType@Redfish.AllowableValues': [...system.allowableResetTypes] }
      : { target: `${path}/Actions/ComputerSystem.Reset`, '@Redfish.ActionInfo': `${path}/ResetActionInfo` };
  return {
    '@odata.type': '#ComputerSystem.v1_27_0.ComputerSystem',
    Id: system.id,
    Name: system.hostName,
    SystemType: 'Physical',
    Manufacturer: 'Somnus Fleet Simulator',
    Model: 'Emulated BMC',
    UUID: system.uuid,
    HostName: system.hostName,
    Status: { State: 'Enabled', Health: 'OK' },
    PowerState: system.powerState,
    Links: { Chassis: [link(`${SERVICE_ROOT}/Chassis/${chassisIdOf(system)}`)], ManagedBy: [link(`${SERVICE_ROOT}/Managers/BMC`)] },
    Actions: { '#ComputerSystem.Reset': reset },
    '@odata.id': path,
  };
}

export function resetActionInfoDocument(system: EmulatedSystem): JsonDocument {
  return {
    '@odata.type': '#ActionInfo.v1_5_0.ActionInfo',
    Id: 'ResetActionInfo',
    Name: 'Reset Action Info',
    Parameters: [{ Name: 'ResetType', Required: true, DataType: 'String', AllowableValues: [...system.allowableResetTypes] }],
    '@odata.id': `${SERVICE_ROOT}/Systems/${system.id}/ResetActionInfo`,
  };
}

export function chassisCollectionDocument(systems: readonly Pick<EmulatedSystem, 'id'>[]): JsonDocument {
  return collection('ChassisCollection', 'Chassis Collection', `${SERVICE_ROOT}/Chassis`, systems.map((s) => `${SERVICE_ROOT}/Chassis/${chassisIdOf(s)}`));
}

/** `environmentMetrics: false` leaves the modern chassis with PowerSubsystem as its only source of watts. */
export function chassisDocument(system: EmulatedSystem, profile: RedfishProfile, environmentMetrics = true): JsonDocument {
  const path = `${SERVICE_ROOT}/Chassis/${chassisIdOf(system)}`;
  const schemas =
    profile === 'legacy'
      ? { Thermal: link(`${path}/Thermal`), Power: link(`${path}/Power`) }
      : {
          ThermalSubsystem: link(`${path}/ThermalSubsystem`),
          PowerSubsystem: link(`${path}/PowerSubsystem`),
          ...(environmentMetrics ? { EnvironmentMetrics: link(`${path}/EnvironmentMetrics`) } : {}),
        };
  return {
    '@odata.type': '#Chassis.v1_28_0.Chassis',
    Id: chassisIdOf(system),
    Name: 'Computer System Chassis',
    ChassisType: 'RackMount',
    PowerState: system.powerState,
    Status: { State: 'Enabled', Health: 'OK' },
    ...schemas,
    Links: { ComputerSystems: [link(`${SERVICE_ROOT}/Systems/${system.id}`)], ManagedBy: [link(`${SERVICE_ROOT}/Managers/BMC`)] },
    '@odata.id': path,
  };
}

/** The deprecated `Power` resource: what most BMCs in racks today still serve. */
export function powerDocument(system: EmulatedSystem, sensors: EmulatedSensors): JsonDocument {
  const path = `${SERVICE_ROOT}/Chassis/${chassisIdOf(system)}/Power`;
  return {
    '@odata.type': '#Power.v1_7_3.Power',
    Id: 'Power',
    Name: 'Power',
    PowerControl: [
      {
        '@odata.id': `${path}#/PowerControl/0`,
        MemberId: '0',
        Name: 'System Input Power',
        PowerConsumedWatts: sensors.watts,
        PowerCapacityWatts: 800,
        RelatedItem: [link(`${SERVICE_ROOT}/Systems/${system.id}`), link(`${SERVICE_ROOT}/Chassis/${chassisIdOf(system)}`)],
        Status: { State: 'Enabled', Health: 'OK' },
      },
    ],
    '@odata.id': path,
  };
}

/** The deprecated `Thermal` resource; the second CPU is absent (Disabled, no reading), as in the mockup. */
export function thermalDocument(system: EmulatedSystem, sensors: EmulatedSensors): JsonDocument {
  const path = `${SERVICE_ROOT}/Chassis/${chassisIdOf(system)}/Thermal`;
  const temperature = (index: number, name: string, context: string, reading: number | null): JsonDocument => ({
    '@odata.id': `${path}#/Temperatures/${index}`,
    MemberId: String(index),
    Name: name,
    Status: reading === null ? { State: 'Disabled' } : { State: 'Enabled', Health: 'OK' },
    ...(reading === null ? {} : { ReadingCelsius: reading }),
    PhysicalContext: context,
  });
  return {
    '@odata.type': '#Thermal.v1_7_3.Thermal',
    Id: 'Thermal',
    Name: 'Thermal',
    Temperatures: [
      temperature(0, 'CPU1 Temp', 'CPU', sensors.cpuCelsius),
      temperature(1, 'CPU2 Temp', 'CPU', null),
      temperature(2, 'Chassis Intake Temp', 'Intake', sensors.inletCelsius),
    ],
    '@odata.id': path,
  };
}

export function environmentMetricsDocument(system: EmulatedSystem, sensors: EmulatedSensors): JsonDocument {
  const chassis = `${SERVICE_ROOT}/Chassis/${chassisIdOf(system)}`;
  return {
    '@odata.type': '#EnvironmentMetrics.v1_5_0.EnvironmentMetrics',
    Id: 'EnvironmentMetrics',
    Name: 'Chassis Environment Metrics',
    TemperatureCelsius: { Reading: sensors.cpuCelsius, DataSourceUri: `${chassis}/Sensors/CPU1Temp` },
    PowerWatts: { Reading: sensors.watts, DataSourceUri: `${chassis}/Sensors/TotalPower` },
    '@odata.id': `${chassis}/EnvironmentMetrics`,
  };
}

export function powerSubsystemDocument(system: EmulatedSystem): JsonDocument {
  const path = `${SERVICE_ROOT}/Chassis/${chassisIdOf(system)}/PowerSubsystem`;
  return {
    '@odata.type': '#PowerSubsystem.v1_1_3.PowerSubsystem',
    Id: 'PowerSubsystem',
    Name: 'Power Subsystem for Chassis',
    CapacityWatts: 800,
    PowerSupplies: link(`${path}/PowerSupplies`),
    Status: { State: 'Enabled', Health: 'OK' },
    '@odata.id': path,
  };
}

/** Two supply bays sharing the load, as in the mockup (Bay1, Bay2). */
export const POWER_SUPPLY_BAYS = ['Bay1', 'Bay2'] as const;

export function powerSupplyCollectionDocument(system: EmulatedSystem): JsonDocument {
  const path = `${SERVICE_ROOT}/Chassis/${chassisIdOf(system)}/PowerSubsystem/PowerSupplies`;
  return collection('PowerSupplyCollection', 'Power Supply Collection', path, POWER_SUPPLY_BAYS.map((bay) => `${path}/${bay}`));
}

export function powerSupplyDocument(system: EmulatedSystem, bay: string): JsonDocument {
  const path = `${SERVICE_ROOT}/Chassis/${chassisIdOf(system)}/PowerSubsystem/PowerSupplies/${bay}`;
  return {
    '@odata.type': '#PowerSupply.v1_6_0.PowerSupply',
    Id: bay,
    Name: `Power Supply ${bay}`,
    PowerCapacityWatts: 400,
    Status: { State: 'Enabled', Health: 'OK' },
    Metrics: link(`${path}/Metrics`),
    '@odata.id': path,
  };
}

/** Each bay's input power: the machine's draw split evenly over the bays. */
export function powerSupplyMetricsDocument(system: EmulatedSystem, bay: string, sensors: EmulatedSensors): JsonDocument {
  const path = `${SERVICE_ROOT}/Chassis/${chassisIdOf(system)}/PowerSubsystem/PowerSupplies/${bay}/Metrics`;
  return {
    '@odata.type': '#PowerSupplyMetrics.v1_2_0.PowerSupplyMetrics',
    Id: 'Metrics',
    Name: `Metrics for Power Supply ${bay}`,
    Status: { State: 'Enabled', Health: 'OK' },
    InputPowerWatts: { Reading: sensors.watts / POWER_SUPPLY_BAYS.length, DataSourceUri: `${SERVICE_ROOT}/Chassis/${chassisIdOf(system)}/Sensors/${bay}InputPower` },
    '@odata.id': path,
  };
}

export function thermalSubsystemDocument(system: EmulatedSystem): JsonDocument {
  const path = `${SERVICE_ROOT}/Chassis/${chassisIdOf(system)}/ThermalSubsystem`;
  return {
    '@odata.type': '#ThermalSubsystem.v1_5_0.ThermalSubsystem',
    Id: 'ThermalSubsystem',
    Name: 'Thermal Subsystem for Chassis',
    ThermalMetrics: link(`${path}/ThermalMetrics`),
    Status: { State: 'Enabled', Health: 'OK' },
    '@odata.id': path,
  };
}

export function thermalMetricsDocument(system: EmulatedSystem, sensors: EmulatedSensors): JsonDocument {
  const chassis = `${SERVICE_ROOT}/Chassis/${chassisIdOf(system)}`;
  return {
    '@odata.type': '#ThermalMetrics.v1_3_2.ThermalMetrics',
    Id: 'ThermalMetrics',
    Name: 'Chassis Thermal Metrics',
    TemperatureSummaryCelsius: {
      Internal: { Reading: sensors.cpuCelsius, DataSourceUri: `${chassis}/Sensors/CPU1Temp` },
      Intake: { Reading: sensors.inletCelsius, DataSourceUri: `${chassis}/Sensors/IntakeTemp` },
      Exhaust: { Reading: sensors.exhaustCelsius, DataSourceUri: `${chassis}/Sensors/ExhaustTemp` },
    },
    TemperatureReadingsCelsius: [
      { Reading: sensors.inletCelsius, DeviceName: 'Intake', PhysicalContext: 'Intake', DataSourceUri: `${chassis}/Sensors/IntakeTemp` },
      { Reading: sensors.cpuCelsius, DeviceName: 'CPU1', PhysicalContext: 'CPU', DataSourceUri: `${chassis}/Sensors/CPU1Temp` },
      { Reading: sensors.exhaustCelsius, DeviceName: 'Exhaust', PhysicalContext: 'Exhaust', DataSourceUri: `${chassis}/Sensors/ExhaustTemp` },
    ],
    '@odata.id': `${chassis}/ThermalSubsystem/ThermalMetrics`,
  };
}

/** A Redfish error body (DSP0266 "Error responses", redfish-error.v1_0_2.json), Base registry messages. */
export function redfishErrorDocument(messageId: string, message: string, resolution?: string): JsonDocument {
  const id = `Base.1.5.0.${messageId}`;
  return {
    error: {
      code: id,
      message,
      '@Message.ExtendedInfo': [
        {
          '@odata.type': '#Message.v1_1_1.Message',
          MessageId: id,
          Message: message,
          Severity: 'Warning',
          ...(resolution ? { Resolution: resolution } : {}),
        },
      ],
    },
  };
}
