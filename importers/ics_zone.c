/* ics_zone.c: the time zones of an iCalendar file (UTC, the system zone database, Windows
 * zone names, the file's own VTIMEZONEs) and the instants its dates and times name. */
#include "importers/ics_internal.h"
#include "importers/personal.h"

#include <string.h>
#include <strings.h>

/* Windows zone names (Exchange, Outlook) and the IANA zone CLDR's windowsZones.xml maps
 * each to (territory 001). */
static const char *const windows_zones[][2] = {
    { "Dateline Standard Time", "Etc/GMT+12" },
    { "UTC-11", "Etc/GMT+11" },
    { "Hawaiian Standard Time", "Pacific/Honolulu" },
    { "Alaskan Standard Time", "America/Anchorage" },
    { "Pacific Standard Time (Mexico)", "America/Tijuana" },
    { "Pacific Standard Time", "America/Los_Angeles" },
    { "US Mountain Standard Time", "America/Phoenix" },
    { "Mountain Standard Time (Mexico)", "America/Mazatlan" },
    { "Mountain Standard Time", "America/Denver" },
    { "Central America Standard Time", "America/Guatemala" },
    { "Central Standard Time (Mexico)", "America/Mexico_City" },
    { "Central Standard Time", "America/Chicago" },
    { "Canada Central Standard Time", "America/Regina" },
    { "SA Pacific Standard Time", "America/Bogota" },
    { "Eastern Standard Time (Mexico)", "America/Cancun" },
    { "Eastern Standard Time", "America/New_York" },
    { "US Eastern Standard Time", "America/Indiana/Indianapolis" },
    { "Venezuela Standard Time", "America/Caracas" },
    { "Paraguay Standard Time", "America/Asuncion" },
    { "Atlantic Standard Time", "America/Halifax" },
    { "Central Brazilian Standard Time", "America/Cuiaba" },
    { "SA Western Standard Time", "America/La_Paz" },
    { "Pacific SA Standard Time", "America/Santiago" },
    { "Newfoundland Standard Time", "America/St_Johns" },
    { "E. South America Standard Time", "America/Sao_Paulo" },
    { "Argentina Standard Time", "America/Argentina/Buenos_Aires" },
    { "SA Eastern Standard Time", "America/Cayenne" },
    { "Greenland Standard Time", "America/Godthab" },
    { "Montevideo Standard Time", "America/Montevideo" },
    { "UTC-02", "Etc/GMT+2" },
    { "Azores Standard Time", "Atlantic/Azores" },
    { "Cape Verde Standard Time", "Atlantic/Cape_Verde" },
    { "UTC", "Etc/UTC" },
    { "GMT Standard Time", "Europe/London" },
    { "Greenwich Standard Time", "Atlantic/Reykjavik" },
    { "W. Europe Standard Time", "Europe/Berlin" },
    { "Central Europe Standard Time", "Europe/Budapest" },
    { "Romance Standard Time", "Europe/Paris" },
    { "Central European Standard Time", "Europe/Warsaw" },
    { "W. Central Africa Standard Time", "Africa/Lagos" },
    { "Morocco Standard Time", "Africa/Casablanca" },
    { "Jordan Standard Time", "Asia/Amman" },
    { "GTB Standard Time", "Europe/Bucharest" },
    { "Middle East Standard Time", "Asia/Beirut" },
    { "Egypt Standard Time", "Africa/Cairo" },
    { "E. Europe Standard Time", "Europe/Chisinau" },
    { "Syria Standard Time", "Asia/Damascus" },
    { "South Africa Standard Time", "Africa/Johannesburg" },
    { "FLE Standard Time", "Europe/Kiev" },
    { "Israel Standard Time", "Asia/Jerusalem" },
    { "Kaliningrad Standard Time", "Europe/Kaliningrad" },
    { "Libya Standard Time", "Africa/Tripoli" },
    { "Namibia Standard Time", "Africa/Windhoek" },
    { "Sudan Standard Time", "Africa/Khartoum" },
    { "Arabic Standard Time", "Asia/Baghdad" },
    { "Turkey Standard Time", "Europe/Istanbul" },
    { "Arab Standard Time", "Asia/Riyadh" },
    { "Belarus Standard Time", "Europe/Minsk" },
    { "Russian Standard Time", "Europe/Moscow" },
    { "E. Africa Standard Time", "Africa/Nairobi" },
    { "Iran Standard Time", "Asia/Tehran" },
    { "Arabian Standard Time", "Asia/Dubai" },
    { "Azerbaijan Standard Time", "Asia/Baku" },
    { "Mauritius Standard Time", "Indian/Mauritius" },
    { "Georgian Standard Time", "Asia/Tbilisi" },
    { "Caucasus Standard Time", "Asia/Yerevan" },
    { "Afghanistan Standard Time", "Asia/Kabul" },
    { "West Asia Standard Time", "Asia/Tashkent" },
    { "Ekaterinburg Standard Time", "Asia/Yekaterinburg" },
    { "Pakistan Standard Time", "Asia/Karachi" },
    { "India Standard Time", "Asia/Kolkata" },
    { "Sri Lanka Standard Time", "Asia/Colombo" },
    { "Nepal Standard Time", "Asia/Kathmandu" },
    { "Central Asia Standard Time", "Asia/Almaty" },
    { "Bangladesh Standard Time", "Asia/Dhaka" },
    { "Myanmar Standard Time", "Asia/Yangon" },
    { "SE Asia Standard Time", "Asia/Bangkok" },
    { "N. Central Asia Standard Time", "Asia/Novosibirsk" },
    { "North Asia Standard Time", "Asia/Krasnoyarsk" },
    { "China Standard Time", "Asia/Shanghai" },
    { "North Asia East Standard Time", "Asia/Irkutsk" },
    { "Singapore Standard Time", "Asia/Singapore" },
    { "W. Australia Standard Time", "Australia/Perth" },
    { "Taipei Standard Time", "Asia/Taipei" },
    { "Ulaanbaatar Standard Time", "Asia/Ulaanbaatar" },
    { "Tokyo Standard Time", "Asia/Tokyo" },
    { "Korea Standard Time", "Asia/Seoul" },
    { "Yakutsk Standard Time", "Asia/Yakutsk" },
    { "Cen. Australia Standard Time", "Australia/Adelaide" },
    { "AUS Central Standard Time", "Australia/Darwin" },
    { "E. Australia Standard Time", "Australia/Brisbane" },
    { "AUS Eastern Standard Time", "Australia/Sydney" },
    { "West Pacific Standard Time", "Pacific/Port_Moresby" },
    { "Tasmania Standard Time", "Australia/Hobart" },
    { "Vladivostok Standard Time", "Asia/Vladivostok" },
    { "Magadan Standard Time", "Asia/Magadan" },
    { "Central Pacific Standard Time", "Pacific/Guadalcanal" },
    { "New Zealand Standard Time", "Pacific/Auckland" },
    { "Fiji Standard Time", "Pacific/Fiji" },
    { "Tonga Standard Time", "Pacific/Tongatapu" },
    { "Samoa Standard Time", "Pacific/Apia" },
    { NULL, NULL }
};

const char *ics_windows_zone(const char *name)
{
    for (int i = 0; windows_zones[i][0]; i++)
        if (strcasecmp(windows_zones[i][0], name) == 0)
            return windows_zones[i][1];
    return NULL;
}

icaltimezone *ics_resolve_zone(struct ics_state *s, icalcomponent *comp, const char *tzid)
{
    for (int i = 0; i < s->nzones; i++)
        if (strcmp(s->zones[i].tzid, tzid) == 0)
            return s->zones[i].zone ? s->zones[i].zone : s->floating;

    icaltimezone *zone = NULL;
    if (strcasecmp(tzid, "UTC") == 0 || strcasecmp(tzid, "GMT") == 0 ||
        strcasecmp(tzid, "Z") == 0)
        zone = icaltimezone_get_utc_timezone();
    if (!zone)
        zone = icaltimezone_get_builtin_timezone(tzid);
    if (!zone && tzid[0] == '/')
        zone = icaltimezone_get_builtin_timezone_from_tzid(tzid);
    if (!zone) {
        const char *iana = ics_windows_zone(tzid);
        if (iana)
            zone = icaltimezone_get_builtin_timezone(iana);
    }
    for (icalcomponent *c = icalcomponent_get_parent(comp); !zone && c;
         c = icalcomponent_get_parent(c))
        zone = icalcomponent_get_timezone(c, tzid);
    if (!zone)
        import_warn(s->ctx, "%s: unknown time zone \"%s\" (no VTIMEZONE for it): its times "
                    "were read in --tz", input_path(s->ctx->in), tzid);
    if (s->nzones < ICS_MAX_ZONES) {
        s->zones[s->nzones].tzid = xstrdup(tzid);
        s->zones[s->nzones++].zone = zone;
    }
    return zone ? zone : s->floating;
}

icaltimezone *ics_zone_of(struct ics_state *s, icalcomponent *comp, icalproperty *prop,
                          struct icaltimetype t)
{
    if (icaltime_is_utc(t))
        return icaltimezone_get_utc_timezone();
    icalparameter *param = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
    const char *tzid = param ? icalparameter_get_tzid(param) : NULL;
    if (tzid && *tzid)
        return ics_resolve_zone(s, comp, tzid);
    return s->floating;
}

int64_t ics_day_of(struct icaltimetype t)
{
    return days_from_civil(t.year, t.month, t.day);
}

/* Dates and UTC are counted here: libical's icaltime_as_timet() answers -1 for years
 * before 1902. */
int64_t ics_to_unix(struct icaltimetype t, icaltimezone *zone)
{
    if (t.is_date)
        return ics_day_of(t) * 86400;
    if (!zone || zone == icaltimezone_get_utc_timezone())
        return ics_day_of(t) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
    t.zone = NULL;
    return (int64_t)icaltime_as_timet_with_zone(t, zone);
}

struct icaltimetype ics_prop_time(icalproperty *p)
{
    return icalvalue_get_datetime(icalproperty_get_value(p));
}
