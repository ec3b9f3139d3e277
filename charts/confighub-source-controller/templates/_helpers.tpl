{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "chr.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of every namespaced object and of the per-release cluster objects. */}}
{{- define "chr.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "chr.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chr.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "chr.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "chr.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: confighub
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "chr.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "chr.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* --watch-label-selector: the raw selector wins over the shard key. */}}
{{- define "chr.watchLabelSelector" -}}
{{- if .Values.watchLabelSelector }}
{{- .Values.watchLabelSelector }}
{{- else if .Values.sharding.key }}
{{- printf "sharding.fluxcd.io/key=%s" .Values.sharding.key }}
{{- end }}
{{- end }}

{{- define "chr.dataClaimName" -}}
{{- default (printf "%s-data" (include "chr.fullname" .)) .Values.storage.persistentVolumeClaim.existingClaim }}
{{- end }}
